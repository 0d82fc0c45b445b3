#!/usr/bin/env node
import 'reflect-metadata';
import { CommandFactory } from 'nest-commander';
import { loadConfig } from '@receipts/infrastructure';
import { CliModule, TokenCliModule } from './cli.module';

const main = async (): Promise<void> => {
  loadConfig(); // a bad variable stops here, named, before Nest reports it with a stack trace
  const root = process.argv[2] === 'token' ? TokenCliModule : CliModule;
  await CommandFactory.run(root, {
    logger: ['warn', 'error'],
    // A failed command says why on its own line and exits non-zero (the default prints and exits 0).
    serviceErrorHandler: (error) => {
      console.error(error.message);
      process.exitCode = 1;
    },
  });
};

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
