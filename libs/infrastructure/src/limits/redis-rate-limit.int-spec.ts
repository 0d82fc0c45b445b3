/**
 * The Redis-backed rate limit against a real redis-server: two limiters on one Redis (as two API
 * nodes would have) spend one budget, and a Redis that goes away does not stop the service.
 */
import { Redis } from 'ioredis';
import { type RedisServer, startRedisServer } from '@receipts/testing';
import { FAIL_FAST } from '../redis';
import { redisRateLimit } from './flexible-rate-limit';
import type { RateLimit } from './rate-limit';

jest.setTimeout(30_000);

let server: RedisServer;
const clients: Redis[] = [];
/** A client as the API creates it (fail fast: no offline queue), once connected. */
const client = async (): Promise<Redis> => {
  const redis = new Redis(server.url, { ...FAIL_FAST, disconnectTimeout: 200 });
  redis.on('error', () => undefined);
  clients.push(redis);
  await new Promise((resolve) => redis.once('ready', resolve));
  return redis;
};
const settings = { name: `t${Date.now()}`, perSecond: 5, windowSeconds: 60 };
const admitted = async (limit: RateLimit, key: string, times: number): Promise<number> => {
  let count = 0;
  for (let i = 0; i < times; i++) if ((await limit.take(key)).admitted) count++;
  return count;
};

beforeAll(async () => {
  server = await startRedisServer();
});

afterAll(async () => {
  for (const redis of clients) redis.disconnect();
  await server?.stop();
});

it('shares one budget between two nodes', async () => {
  const [nodeA, nodeB] = await Promise.all([client(), client()]);
  const limitA = redisRateLimit(settings, nodeA);
  const limitB = redisRateLimit(settings, nodeB);
  expect(await admitted(limitA, 'bob', 200)).toBe(200);
  expect(await admitted(limitB, 'bob', 200)).toBe(100);
  const refused = await limitA.take('bob');
  expect(refused).toEqual({ admitted: false, retryAfterMs: expect.any(Number) as number });
  expect(refused.admitted ? 0 : refused.retryAfterMs).toBeGreaterThan(50_000);
  expect(await admitted(limitB, 'carol', 1)).toBe(1);
  expect(await nodeA.exists(`receipts:limit:${settings.name}:bob`)).toBe(1);
});

it('falls back to a budget in process while Redis is away', async () => {
  const redis = await client();
  const limit = redisRateLimit({ ...settings, name: `${settings.name}-down` }, redis);
  await server.stop();
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(redis.status).not.toBe('ready');
  expect(await admitted(limit, 'bob', 400)).toBe(300);
});
