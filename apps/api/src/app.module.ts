import { Module } from '@nestjs/common';
import { ReceiptCommandService, ReceiptMetrics, WriteHealth } from '@receipts/application';
import { EVENT_STORE, type EventStore } from '@receipts/event-store';
import { loadVerificationKey } from '@receipts/identity';
import {
  HealthController,
  ProjectionModule,
  RECEIPTS_CONFIG,
  type ReceiptsConfig,
  RedisModule,
  StoresModule,
  identitySettings,
  loggingModule,
} from '@receipts/infrastructure';
import { DevelopmentIdentity, IDENTITY_RESOLVER, type IdentityResolver } from './identity';
import { JwtIdentity } from './jwt-identity';
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
    ReceiptsGateway,
  ],
})
export class AppModule {}
