import { type DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { RECEIPTS_CONFIG, type ReceiptsConfig } from './config';
import { ConfigurationModule } from './configuration.module';

/** One pino logger setup for every process: level from LOG_LEVEL, no per-request lines. */
export const loggingModule = (): DynamicModule =>
  LoggerModule.forRootAsync({
    imports: [ConfigurationModule],
    inject: [RECEIPTS_CONFIG],
    useFactory: (config: ReceiptsConfig) => ({
      pinoHttp: { level: config.LOG_LEVEL, autoLogging: false, quietReqLogger: true },
    }),
  });
