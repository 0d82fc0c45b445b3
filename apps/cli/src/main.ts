import 'reflect-metadata';
import { CommandFactory } from 'nest-commander';
import { loadConfig } from '@receipts/infrastructure';
import { CliModule } from './cli.module';

const main = async (): Promise<void> => {
  loadConfig(); // a bad variable stops here, named, before Nest reports it with a stack trace
  await CommandFactory.run(CliModule, { logger: ['warn', 'error'] });
};

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
