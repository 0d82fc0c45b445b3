import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { cleanupOpenApiDoc } from 'nestjs-zod';
import { loadConfig } from '@receipts/infrastructure';
import { AppModule } from './app.module';
import { ReceiptErrorFilter } from './receipt-error.filter';
import { RedisIoAdapter } from './redis-io.adapter';

/** Builds the API (REST, Socket.IO, OpenAPI at /docs) without listening, for main and for tests. */
export const createApp = async (): Promise<NestExpressApplication> => {
  const app = await NestFactory.create<NestExpressApplication>(AppModule, { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.useGlobalFilters(new ReceiptErrorFilter());
  app.useBodyParser('json', { limit: '1mb' });
  app.enableShutdownHooks();
  const { REDIS_URL } = loadConfig();
  if (REDIS_URL) app.useWebSocketAdapter(new RedisIoAdapter(app, REDIS_URL));
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('receipts')
      .setDescription(
        'Message delivery receipts: register messages, query receipts and unread counts. Socket.IO events are in docs/PROTOCOL.md.',
      )
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
      .build(),
  );
  SwaggerModule.setup('docs', app, cleanupOpenApiDoc(document));
  return app;
};
