import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import {
  AckLimits,
  ChangeFeedService,
  EXPLAIN_HANDLERS,
  RECEIPT_HANDLERS,
  ReceiptCommandService,
  ReceiptMetrics,
  ReceiptQueryService,
  SupportSources,
  WriteHealth,
} from '@receipts/application';
import { EVENT_STORE, type EventStore } from '@receipts/event-store';
import { READ_STORE, type ReadStore } from '@receipts/read-store';
import { loadVerificationKey } from '@receipts/identity';
import {
  LIMITS,
  ProjectionModule,
  RECEIPTS_CONFIG,
  REDIS_CLIENT,
  Readiness,
  type ReceiptsConfig,
  RecordedRepairsSync,
  RedisModule,
  StoresModule,
  createLimits,
  identitySettings,
  loggingModule,
} from '@receipts/infrastructure';
import { ErrorLog } from './error-log';
import { ExplainController } from './explain.controller';
import { DevelopmentIdentity, IDENTITY_RESOLVER, type IdentityResolver } from './identity';
import { JwtIdentity } from './jwt-identity';
import { MessagesController } from './messages.controller';
import { OpsController } from './ops.controller';
import { OpsServer } from './ops-server';
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
    // Controllers and the gateway send commands and queries; the handlers delegate to the services.
    CqrsModule.forRoot(),
    ProjectionModule.forRoot({ run: (config) => config.RECEIPTS_PROJECTOR !== 'off' }),
  ],
  controllers: [MessagesController, UsersController, OpsController, ExplainController],
  providers: [
    {
      // Bearer tokens when a key is configured, the development identity only when turned on
      // (without a token, a caller falls back to it); loadConfig refuses it in production.
      provide: IDENTITY_RESOLVER,
      inject: [RECEIPTS_CONFIG],
      useFactory: async (config: ReceiptsConfig): Promise<IdentityResolver> => {
        const { development, tokens } = identitySettings(config);
        const fallback = development ? new DevelopmentIdentity() : null;
        if (!tokens) return new DevelopmentIdentity(); // identitySettings made sure it is on
        const key = await loadVerificationKey(tokens.key, tokens.algorithm);
        return new JwtIdentity(key, tokens, fallback);
      },
    },
    {
      provide: ReceiptCommandService,
      inject: [EVENT_STORE, ReceiptMetrics, WriteHealth],
      useFactory: (store: EventStore, metrics: ReceiptMetrics, writes: WriteHealth) =>
        new ReceiptCommandService(store, metrics, writes),
    },
    {
      provide: ChangeFeedService,
      inject: [READ_STORE, ReceiptQueryService],
      useFactory: (reads: ReadStore, queries: ReceiptQueryService) =>
        new ChangeFeedService(reads, queries),
    },
    ...RECEIPT_HANDLERS,
    {
      provide: SupportSources,
      inject: [EVENT_STORE, READ_STORE],
      useFactory: (events: EventStore, reads: ReadStore) => new SupportSources(events, reads),
    },
    ...EXPLAIN_HANDLERS,
    RecordedRepairsSync,
    {
      provide: AckLimits,
      inject: [RECEIPTS_CONFIG],
      useFactory: (config: ReceiptsConfig) =>
        new AckLimits(config.RECEIPTS_MAX_ACK_ITEMS, config.RECEIPTS_MAX_DELIVERED_IDS),
    },
    // Rate budgets shared by every node through Redis when REDIS_URL is set, else per process.
    {
      provide: LIMITS,
      inject: [RECEIPTS_CONFIG, REDIS_CLIENT],
      useFactory: createLimits,
    },
    {
      provide: ErrorLog,
      inject: [RECEIPTS_CONFIG, ReceiptMetrics],
      useFactory: (config: ReceiptsConfig, metrics: ReceiptMetrics) =>
        new ErrorLog(config.RECEIPTS_LOG_SAMPLE_S * 1000, metrics.registry),
    },
    Readiness,
    OpsServer,
    ReceiptsGateway,
  ],
})
export class AppModule {}
