import { type DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { RECEIPTS_CONFIG, type ReceiptsConfig } from './config';
import { ConfigurationModule } from './configuration.module';

/**
 * One pino logger setup for every process: level from LOG_LEVEL, no per-request lines and no
 * request-bound logger. nestjs-pino binds each request's logger with an `AsyncLocalStorage`,
 * and once one is in use Node 20 runs a hook on every promise the process creates, socket ACKs
 * included; none of our lines needs the request's id, so its middleware is mounted on no route.
 */
export const loggingModule = (): DynamicModule =>
  LoggerModule.forRootAsync({
    imports: [ConfigurationModule],
    inject: [RECEIPTS_CONFIG],
    useFactory: (config: ReceiptsConfig) => ({
      // The root logger's options; with the middleware on no route, no request is logged.
      pinoHttp: { level: config.LOG_LEVEL },
      forRoutes: [],
    }),
  });
