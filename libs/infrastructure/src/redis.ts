import { Logger } from '@nestjs/common';
import { Redis, type RedisOptions } from 'ioredis';

export const REDIS_CLIENT = Symbol('RedisClient');

/**
 * For commands on the request path (cache lookups, push publishes): while Redis is away they
 * fail at once instead of queueing, since the store answers queries anyway and pushes are best
 * effort (devices resync from REST).
 */
export const FAIL_FAST: RedisOptions = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  commandTimeout: 500,
};

/**
 * Connects in the background and reconnects forever; a start never waits for Redis, readiness
 * reports it. Errors are logged once per distinct message, not once per reconnect attempt.
 */
export const createRedis = (url: string, name: string, options: RedisOptions = {}): Redis => {
  const logger = new Logger(`Redis:${name}`);
  const client = new Redis(url, { connectionName: `receipts-${name}`, ...options });
  let lastError = '';
  client.on('error', (error: Error) => {
    if (error.message !== lastError) logger.warn(error.message);
    lastError = error.message;
  });
  client.on('ready', () => {
    if (lastError !== '') logger.log('connected again');
    lastError = '';
  });
  return client;
};

/** A recurring failure logged once per distinct message, and again at most once per interval. */
export const throttledWarning = (logger: Logger, what: string, intervalMs = 60_000) => {
  let last = '';
  let loggedAt = 0;
  return (error: unknown): void => {
    const message = error instanceof Error ? error.message : String(error);
    if (message === last && Date.now() - loggedAt < intervalMs) return;
    logger.warn(`${what}: ${message}`);
    last = message;
    loggedAt = Date.now();
  };
};

export const closeRedis = async (client: Redis): Promise<void> => {
  if (client.status !== 'ready') return client.disconnect();
  await client.quit().catch(() => client.disconnect());
};

export const redisState = async (client: Redis): Promise<'up' | 'down'> => {
  try {
    return (await client.ping()) === 'PONG' ? 'up' : 'down';
  } catch {
    return 'down';
  }
};
