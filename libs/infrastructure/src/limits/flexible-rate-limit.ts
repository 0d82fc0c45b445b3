import type { Redis } from 'ioredis';
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible';
import { type RateDecision, type RateLimit, UNLIMITED } from './rate-limit';

export type RateLimitSettings = Readonly<{
  /** Names the budget; in Redis, keys are `receipts:limit:<name>:<key>`. */
  name: string;
  perSecond: number;
  windowSeconds: number;
}>;

/** rate-limiter-flexible behind our port: a refusal is a decision, not an exception. */
export class FlexibleRateLimit implements RateLimit {
  constructor(private readonly limiter: RateLimiterAbstract) {}

  async take(key: string): Promise<RateDecision> {
    try {
      await this.limiter.consume(key);
      return { admitted: true };
    } catch (outcome) {
      if (outcome instanceof RateLimiterRes) {
        return { admitted: false, retryAfterMs: Math.max(1, outcome.msBeforeNext) };
      }
      throw outcome;
    }
  }
}

const options = ({ name, perSecond, windowSeconds }: RateLimitSettings) => ({
  keyPrefix: `receipts:limit:${name}`,
  points: perSecond * windowSeconds,
  duration: windowSeconds,
});

/** In this process only: each node has its own budget. */
export const memoryRateLimit = (settings: RateLimitSettings): RateLimit =>
  settings.perSecond === 0
    ? UNLIMITED
    : new FlexibleRateLimit(new RateLimiterMemory(options(settings)));

/**
 * One budget shared by every node through Redis. While Redis does not answer (the client fails
 * fast), each node falls back to its own in-process budget of the same size: the service keeps
 * serving, and a caller spread over n nodes may get up to n times its budget meanwhile.
 */
export const redisRateLimit = (settings: RateLimitSettings, redis: Redis): RateLimit =>
  settings.perSecond === 0
    ? UNLIMITED
    : new FlexibleRateLimit(
        new RateLimiterRedis({
          ...options(settings),
          storeClient: redis,
          rejectIfRedisNotReady: true,
          insuranceLimiter: new RateLimiterMemory(options(settings)),
        }),
      );
