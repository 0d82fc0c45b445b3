/**
 * Socket.IO's Redis adapter drops the promises of the commands it sends; a node shutting down
 * while Redis is away still has its unsubscribes queued, and closing the client rejects them.
 */
import { Redis } from 'ioredis';
import { freePort } from '@receipts/testing';
import { withCaughtCommands } from './redis-fan-out';

/** Nothing listens on its port: the client stays in its connecting/reconnecting cycle. */
const subscriber = async (): Promise<Redis> => {
  const redis = new Redis(await freePort(), '127.0.0.1', {
    lazyConnect: true,
    maxRetriesPerRequest: null,
  });
  redis.on('error', () => undefined);
  return redis;
};

it('rejects a queued unsubscribe when the client closes (what the wrapper is for)', async () => {
  const redis = await subscriber();
  const queued = redis.unsubscribe('channel');
  redis.disconnect();
  await expect(queued).rejects.toThrow('Connection is closed');
});

it('reports the same failure instead of rejecting, for the commands it wraps', async () => {
  const redis = await subscriber();
  const errors: unknown[] = [];
  const sub = withCaughtCommands(redis, ['unsubscribe', 'punsubscribe'], (e) => errors.push(e));
  // Dropped, as the adapter does: an unhandled rejection here would fail this test.
  void sub.unsubscribe('channel');
  void sub.punsubscribe('channel#*');
  sub.disconnect();
  await new Promise((resolve) => redis.once('end', resolve));
  await new Promise((resolve) => setImmediate(resolve));
  expect(errors.map((e) => (e as Error).message)).toEqual([
    'Connection is closed.',
    'Connection is closed.',
  ]);
});

it('passes every other property through to the client', async () => {
  const redis = await subscriber();
  const sub = withCaughtCommands(redis, ['publish'], () => undefined);
  expect(sub.status).toBe('wait');
  expect(sub.options.maxRetriesPerRequest).toBeNull();
  expect(sub.on('ready', () => undefined)).toBe(redis);
  sub.disconnect();
  expect(redis.status).toBe('end');
});
