import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import {
  InProcessSummaryCache,
  RedisSummaryCache,
  SUMMARY_CACHE,
  type SummaryCache,
} from '@receipts/cache';
import { RECEIPTS_CONFIG, type ReceiptsConfig } from './config';
import { FAIL_FAST, REDIS_CLIENT, closeRedis, createRedis } from './redis';

class RedisLifecycle implements OnApplicationShutdown {
  constructor(@Inject(REDIS_CLIENT) private readonly redis: Redis | null) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.redis) await closeRedis(this.redis);
  }
}

/**
 * Redis when REDIS_URL is set (always in production): the shared summary cache, and the client
 * the projector publishes pushes with. Without it, the cache is this process's memory.
 */
@Global()
@Module({
  providers: [
    {
      provide: REDIS_CLIENT,
      inject: [RECEIPTS_CONFIG],
      useFactory: (config: ReceiptsConfig): Redis | null =>
        config.REDIS_URL ? createRedis(config.REDIS_URL, 'commands', FAIL_FAST) : null,
    },
    {
      provide: SUMMARY_CACHE,
      inject: [REDIS_CLIENT],
      useFactory: (redis: Redis | null): SummaryCache =>
        redis ? new RedisSummaryCache(redis) : new InProcessSummaryCache(),
    },
    RedisLifecycle,
  ],
  exports: [REDIS_CLIENT, SUMMARY_CACHE],
})
export class RedisModule {}
