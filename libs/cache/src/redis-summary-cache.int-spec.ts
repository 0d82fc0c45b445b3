import { Redis } from 'ioredis';
import {
  type RedisServer,
  describeSummaryCacheConformance,
  startRedisServer,
} from '@receipts/testing';
import { RedisSummaryCache } from './redis-summary-cache';

let server: RedisServer;
let redis: Redis;

beforeAll(async () => {
  server = await startRedisServer();
  redis = new Redis(server.url, { lazyConnect: true });
  await redis.connect();
}, 300_000);

afterAll(async () => {
  await redis?.quit();
  await server?.stop();
});

describeSummaryCacheConformance('RedisSummaryCache (real redis-server)', () =>
  Promise.resolve({ cache: new RedisSummaryCache(redis), cleanup: () => Promise.resolve() }),
);

describe('RedisSummaryCache layout', () => {
  it('keeps one hash per group under its prefix, with an expiry', async () => {
    const cache = new RedisSummaryCache(redis, 'layout-test:');
    const lookup = await cache.get('c:conv', 'm:m1', 1500);
    if (!lookup.hit) await cache.set('c:conv', 'm:m1', { n: 1 }, lookup.lease);
    expect(await redis.hget('layout-test:c:conv', 'v:m:m1')).toBe('{"n":1}');
    expect(await redis.pttl('layout-test:c:conv')).toBeGreaterThan(0);
    expect(await redis.pttl('layout-test:c:conv')).toBeLessThanOrEqual(1500);
  });
});
