import { type DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { loadConfig } from './config';

/** One pino logger setup for every process: level from LOG_LEVEL, no per-request lines. */
export const loggingModule = (): DynamicModule =>
  LoggerModule.forRoot({
    pinoHttp: { level: loadConfig().LOG_LEVEL, autoLogging: false, quietReqLogger: true },
  });
