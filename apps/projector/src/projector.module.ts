import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { ProjectionModule, StoresModule, loadConfig } from '@receipts/infrastructure';

/**
 * The projector as its own process: event log -> read models. Without a cross-node push channel
 * (Redis, in the production-adapters work) it updates read models only; run it this way with the
 * API's RECEIPTS_PROJECTOR=off.
 */
@Module({
  imports: [
    LoggerModule.forRoot({ pinoHttp: { level: loadConfig().LOG_LEVEL } }),
    StoresModule,
    ProjectionModule.forRoot({ run: () => true }),
  ],
})
export class ProjectorModule {}
