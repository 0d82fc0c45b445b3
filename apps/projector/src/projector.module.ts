import { Global, Logger, Module } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { ReceiptMetrics } from '@receipts/application';
import {
  HealthController,
  ProjectionModule,
  RECEIPTS_CONFIG,
  REDIS_CLIENT,
  Readiness,
  type ReceiptsConfig,
  RecordedRepairsSync,
  RedisModule,
  StoresModule,
  loggingModule,
  throttledWarning,
} from '@receipts/infrastructure';
import {
  CoalescingPushChannel,
  PUSH_CHANNEL,
  type PushChannel,
  redisRoomEmitter,
} from '@receipts/realtime';

/**
 * Pushes from this process reach devices through Redis: the API nodes' Socket.IO Redis adapter
 * delivers them to the rooms' sockets. Without REDIS_URL there is no way to them, and the
 * projector only keeps the read models.
 */
@Global()
@Module({
  providers: [
    {
      provide: PUSH_CHANNEL,
      inject: [REDIS_CLIENT, RECEIPTS_CONFIG, ReceiptMetrics],
      useFactory: (
        redis: Redis | null,
        config: ReceiptsConfig,
        metrics: ReceiptMetrics,
      ): PushChannel | null =>
        redis &&
        new CoalescingPushChannel(
          redisRoomEmitter(redis, throttledWarning(new Logger('Fan-out'), 'push not published')),
          config.RECEIPTS_PUSH_WINDOW_MS,
          () => metrics.pushes.inc({ type: 'frame' }),
        ),
    },
  ],
  exports: [PUSH_CHANNEL],
})
class RedisPushModule {}

/**
 * The projector as its own process: event log -> read models -> cache invalidation -> pushes
 * through Redis. Run the API with RECEIPTS_PROJECTOR=off beside it. Serves /health/live,
 * /health/ready and /metrics on PROJECTOR_PORT.
 */
@Module({
  imports: [
    loggingModule(),
    StoresModule,
    RedisModule,
    RedisPushModule,
    ProjectionModule.forRoot({ run: () => true }),
  ],
  controllers: [HealthController],
  providers: [Readiness, RecordedRepairsSync],
})
export class ProjectorModule {}
