import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { cleanupOpenApiDoc } from 'nestjs-zod';
import { LIMITS, RECEIPTS_CONFIG, type ReceiptsConfig } from '@receipts/infrastructure';
import { AppModule } from './app.module';
import { serveDemo } from './demo-page';
import { ErrorLog } from './error-log';
import { IDENTITY_RESOLVER } from './identity';
import { EdgeIoAdapter } from './io.adapter';
import { ReceiptErrorFilter } from './receipt-error.filter';
import { RedisIoAdapter } from './redis-io.adapter';
import { restLimits } from './rest-limits';

/** Builds the API (REST, Socket.IO, OpenAPI at /docs) without listening, for main and for tests. */
export const createApp = async (): Promise<NestExpressApplication> => {
  const app = await NestFactory.create<NestExpressApplication>(AppModule, { bufferLogs: true });
  const config = app.get<ReceiptsConfig>(RECEIPTS_CONFIG);
  const errors = app.get(ErrorLog);
  app.useLogger(app.get(Logger));
  app.useGlobalFilters(new ReceiptErrorFilter(errors));
  // Order matters: headers on every answer, CORS before anything can refuse, limits before the
  // body is read.
  app.use(
    helmet({
      // TLS is terminated in front of the API; /docs must keep working over plain HTTP too.
      contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
    }),
  );
  if (config.RECEIPTS_CORS_ORIGINS.length > 0) {
    const origins = config.RECEIPTS_CORS_ORIGINS;
    app.enableCors({ origin: origins.includes('*') ? true : origins, maxAge: 600 });
  }
  // The address that anonymous callers are counted by: the peer's, or as many proxies report.
  if (config.RECEIPTS_TRUST_PROXY_HOPS > 0)
    app.set('trust proxy', config.RECEIPTS_TRUST_PROXY_HOPS);
  app.use(restLimits(app.get(IDENTITY_RESOLVER), app.get(LIMITS), errors));
  app.useBodyParser('json', { limit: config.RECEIPTS_MAX_BODY_BYTES });
  app.enableShutdownHooks();
  const demo = config.RECEIPTS_DEV_IDENTITY === 'on' && serveDemo(app);
  const edge = {
    maxFrameBytes: config.RECEIPTS_MAX_FRAME_BYTES,
    origins: config.RECEIPTS_SOCKET_CORS_ORIGINS,
    sameOrigin: demo,
  };
  app.useWebSocketAdapter(
    config.REDIS_URL
      ? new RedisIoAdapter(app, edge, config.REDIS_URL)
      : new EdgeIoAdapter(app, edge),
  );
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
