import { Module } from '@nestjs/common';
import { ReceiptCommandService, ReceiptMetrics, WriteHealth } from '@receipts/application';
import { EVENT_STORE, type EventStore } from '@receipts/event-store';
import {
  HealthController,
  ProjectionModule,
  RedisModule,
  StoresModule,
  loggingModule,
} from '@receipts/infrastructure';
import { DevelopmentIdentity, IDENTITY_RESOLVER } from './identity';
import { MessagesController } from './messages.controller';
import { RealtimeModule } from './realtime.module';
import { ReceiptsGateway } from './receipts.gateway';
import { UsersController } from './users.controller';

/** The API's composition root: every wiring decision of the API process is here. */
@Module({
  imports: [
    loggingModule(),
    StoresModule,
    RedisModule,
    RealtimeModule,
    ProjectionModule.forRoot({ run: (config) => config.RECEIPTS_PROJECTOR === 'inline' }),
  ],
  controllers: [MessagesController, UsersController, HealthController],
  providers: [
    { provide: IDENTITY_RESOLVER, useClass: DevelopmentIdentity },
    {
      provide: ReceiptCommandService,
      inject: [EVENT_STORE, ReceiptMetrics, WriteHealth],
      useFactory: (store: EventStore, metrics: ReceiptMetrics, writes: WriteHealth) =>
        new ReceiptCommandService(store, metrics, writes),
    },
    ReceiptsGateway,
  ],
})
export class AppModule {}
