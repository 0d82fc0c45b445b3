import type { Redis } from 'ioredis';
import type { LimitsConfig } from '../limits-config';
import { CallerRateLimit, ConcurrencyLimit } from './caller-limit';
import { ConnectionLimit } from './connection-limit';
import { type RateLimitSettings, memoryRateLimit, redisRateLimit } from './flexible-rate-limit';
import { FrameLimit } from './frame-limit';

export const LIMITS = Symbol('Limits');

/** Every abuse limit of an API node, built from configuration. */
export type Limits = Readonly<{
  frames: FrameLimit;
  callers: CallerRateLimit;
  concurrency: ConcurrencyLimit;
  connections: ConnectionLimit;
}>;

/** Rates are shared through Redis when there is one, else kept in this process. */
export const createLimits = (config: LimitsConfig, redis: Redis | null): Limits => {
  const rate = (name: string, perSecond: number) => {
    const settings: RateLimitSettings = {
      name,
      perSecond,
      windowSeconds: config.RECEIPTS_LIMIT_WINDOW_S,
    };
    return redis ? redisRateLimit(settings, redis) : memoryRateLimit(settings);
  };
  return {
    frames: new FrameLimit(
      rate('device-frames', config.RECEIPTS_LIMIT_DEVICE_FRAMES_PER_S),
      rate('user-frames', config.RECEIPTS_LIMIT_USER_FRAMES_PER_S),
    ),
    callers: new CallerRateLimit({
      user: rate('rest-user', config.RECEIPTS_LIMIT_REST_USER_PER_S),
      service: rate('rest-service', config.RECEIPTS_LIMIT_REST_SERVICE_PER_S),
      anonymous: rate('rest-anonymous', config.RECEIPTS_LIMIT_REST_ANONYMOUS_PER_S),
    }),
    concurrency: new ConcurrencyLimit({
      user: config.RECEIPTS_LIMIT_REST_CONCURRENT,
      service: config.RECEIPTS_LIMIT_REST_SERVICE_CONCURRENT,
      anonymous: config.RECEIPTS_LIMIT_REST_CONCURRENT,
    }),
    connections: new ConnectionLimit(
      config.RECEIPTS_MAX_SOCKETS_PER_USER,
      config.RECEIPTS_MAX_SOCKETS_PER_DEVICE,
    ),
  };
};
