/**
 * The summary cache stays exact while the projector writes: real SQLite stores, the real
 * projection runner, and each cache adapter (Redis on a real redis-server). The TTL is a minute,
 * so an answer that changes within the test changed because the projector invalidated it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { InProcessSummaryCache, RedisSummaryCache, type SummaryCache } from '@receipts/cache';
import { SqliteEventStore } from '@receipts/event-store';
import { RECEIPTS_PROJECTION } from '@receipts/read-models';
import { type ReadStore, SqliteReadStore } from '@receipts/read-store';
import {
  type RedisServer,
  acknowledgeDelivery,
  markConversationRead,
  registerMessage,
  startRedisServer,
} from '@receipts/testing';
import { ProjectionEffects } from './projection-effects';
import { ProjectionRunner } from './projection-runner';
import { ReceiptCommandService } from './receipt-command.service';
import { ReceiptMetrics } from './receipt-metrics';
import { type CacheLookupResult, ReceiptQueryService } from './receipt-queries.service';

const TTL = 60_000;
const alice = { kind: 'user', userId: 'alice', deviceId: null } as const;
const bob = { kind: 'user', userId: 'bob', deviceId: null } as const;

let redisServer: RedisServer;
let redis: Redis;
beforeAll(async () => {
  redisServer = await startRedisServer();
  redis = new Redis(redisServer.url, { lazyConnect: true });
  await redis.connect();
}, 300_000);
afterAll(async () => {
  await redis?.quit();
  await redisServer?.stop();
});

const eventually = async (check: () => Promise<void>, timeoutMs = 3000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
};

describe.each([
  ['InProcessSummaryCache', () => new InProcessSummaryCache()],
  [
    'RedisSummaryCache',
    () => new RedisSummaryCache(redis, `cache-test:${Date.now()}:${Math.random()}:`),
  ],
] as Array<[string, () => SummaryCache]>)('cached queries with %s', (_name, newCache) => {
  let dir: string;
  let events: SqliteEventStore;
  let reads: SqliteReadStore;
  let commands: ReceiptCommandService;
  let lookups: CacheLookupResult[];
  let stop: AbortController;
  let running: Promise<void> = Promise.resolve();

  /** Queries through the cache, on `store` (the read store unless a test slows it down). */
  const queriesOn = (cache: SummaryCache, store: ReadStore = reads) =>
    new ReceiptQueryService(store, { cache, ttlMs: TTL, onLookup: (r) => lookups.push(r) });

  /** What the projection does after a commit in the service, without pushes. */
  const effects = (queries: ReceiptQueryService) =>
    new ProjectionEffects(new ReceiptMetrics(), queries, null, (error) => {
      if (!(error instanceof Error && error.message === 'cache down')) console.error(error);
    });

  const follow = (queries: ReceiptQueryService | null): void => {
    const runner = new ProjectionRunner(events, reads, {
      projection: RECEIPTS_PROJECTION,
      batchSize: 100,
      backoffMs: 10,
      maxBackoffMs: 100,
      onError: (error) => {
        if (!(error instanceof Error && error.message === 'cache down')) console.error(error);
      },
      ...(queries ? { onCommitted: (batch) => effects(queries).committed(batch) } : {}),
    });
    running = runner.run(stop.signal);
  };

  /** Everything appended so far is committed to the read models (and invalidated). */
  const projected = () =>
    eventually(async () => {
      const [last] = (await events.readAll({ maxCount: 1_000_000 })).slice(-1);
      expect(await reads.loadCheckpoint(RECEIPTS_PROJECTION)).toBe(last!.position);
    });

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'receipts-cache-'));
    events = new SqliteEventStore(join(dir, 'events.sqlite'));
    reads = new SqliteReadStore(join(dir, 'read-models.sqlite'));
    commands = new ReceiptCommandService(events, new ReceiptMetrics());
    lookups = [];
    stop = new AbortController();
    await commands.registerMessage(registerMessage(), {});
  });

  afterEach(async () => {
    stop.abort();
    await running;
    await events.close();
    await reads.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers from the cache until the projector writes, then the new state', async () => {
    const queries = queriesOn(newCache());
    follow(queries);
    await projected();
    expect(await queries.messageSummary(alice, 'c1', 'm1')).toMatchObject({ deliveredCount: 0 });
    expect((await queries.userUnread(bob, 'bob')).totalUnread).toBe(1);
    expect(await queries.messageSummary(alice, 'c1', 'm1')).toMatchObject({ deliveredCount: 0 });
    expect((await queries.messageReceipts(alice, 'c1', 'm1')).recipients[0]).toMatchObject({
      status: 'sent',
    });
    expect(lookups).toEqual(['miss', 'miss', 'hit', 'miss']);

    await commands.acknowledge(acknowledgeDelivery(), {});
    await eventually(async () => {
      expect(await queries.messageSummary(alice, 'c1', 'm1')).toMatchObject({ deliveredCount: 1 });
      const { recipients } = await queries.messageReceipts(alice, 'c1', 'm1');
      expect(recipients[0]).toMatchObject({ userId: 'bob', status: 'delivered' });
    });
    await commands.acknowledge(markConversationRead(), {});
    await eventually(async () => {
      expect((await queries.userUnread(bob, 'bob')).totalUnread).toBe(0);
      expect(await queries.unread(bob, 'bob', 'c1')).toMatchObject({ readUpTo: 1, unread: 0 });
      expect(await queries.messageSummary(alice, 'c1', 'm1')).toMatchObject({ readCount: 1 });
    });
  });

  it('would serve the old answer for the whole TTL without the invalidation (the control)', async () => {
    const queries = queriesOn(newCache());
    follow(null);
    await projected();
    expect(await queries.messageSummary(alice, 'c1', 'm1')).toMatchObject({ deliveredCount: 0 });
    await commands.acknowledge(acknowledgeDelivery(), {});
    await projected();
    expect(await queries.messageSummary(alice, 'c1', 'm1')).toMatchObject({ deliveredCount: 0 });
    expect(await queriesOn(newCache()).messageSummary(alice, 'c1', 'm1')).toMatchObject({
      deliveredCount: 1,
    });
  });

  it('never caches an answer read before a projector write that lands while it is in flight', async () => {
    let release!: () => void;
    let readDone!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const read = new Promise<void>((resolve) => (readDone = resolve));
    const slow: ReadStore = Object.create(reads) as ReadStore;
    slow.recipientCounts = async (c, s) => {
      const counts = await reads.recipientCounts(c, s);
      readDone();
      await gate;
      return counts;
    };
    const cache = newCache();
    follow(queriesOn(cache));
    await projected();
    const inFlight = queriesOn(cache, slow).messageSummary(alice, 'c1', 'm1');
    await read;
    await commands.acknowledge(acknowledgeDelivery(), {});
    await projected();
    release();
    expect(await inFlight).toMatchObject({ deliveredCount: 0 });
    expect(await queriesOn(cache).messageSummary(alice, 'c1', 'm1')).toMatchObject({
      deliveredCount: 1,
    });
  });

  it('answers from the store when the cache fails', async () => {
    const broken: SummaryCache = {
      get: () => Promise.reject(new Error('cache down')),
      set: () => Promise.reject(new Error('cache down')),
      invalidate: () => Promise.reject(new Error('cache down')),
    };
    const queries = queriesOn(broken);
    follow(queries);
    await projected();
    await commands.acknowledge(acknowledgeDelivery(), {});
    await eventually(async () => {
      expect(await queries.messageSummary(alice, 'c1', 'm1')).toMatchObject({ deliveredCount: 1 });
    });
    expect(new Set(lookups)).toEqual(new Set(['error']));
  });
});
