import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import { ReceiptMetrics } from '@receipts/application';
import { RECEIPTS_CONFIG, type ReceiptsConfig, loadConfig } from '@receipts/infrastructure';

const main = async (): Promise<void> => {
  // Validated before the modules load, so a bad variable stops the start with its name only.
  loadConfig();
  const { ProjectorModule } = await import('./projector.module');
  const app = await NestFactory.create<NestExpressApplication>(ProjectorModule, {
    bufferLogs: true,
  });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  app.get(ReceiptMetrics).collectProcessMetrics();
  const config = app.get<ReceiptsConfig>(RECEIPTS_CONFIG);
  await app.listen(config.PROJECTOR_PORT, config.HOST);
  const url = await app.getUrl();
  console.log(`receipts projector: health on ${url}/health/ready, metrics on ${url}/metrics`);
  console.log(
    `store: ${config.RECEIPTS_STORE}, pushes: ${config.REDIS_URL ? 'through Redis' : 'none (no REDIS_URL)'}`,
  );
};

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
