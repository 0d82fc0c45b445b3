import { randomUUID } from 'node:crypto';
import type { SummaryCache } from '@receipts/cache';

export type OpenedSummaryCache = Readonly<{ cache: SummaryCache; cleanup: () => Promise<void> }>;

const TTL = 60_000;
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The SummaryCache port's contract, for every adapter. Group names are unique per test. */
export const describeSummaryCacheConformance = (
  adapterName: string,
  open: () => Promise<OpenedSummaryCache>,
): void => {
  describe(`SummaryCache conformance: ${adapterName}`, () => {
    let opened: OpenedSummaryCache;
    let cache: SummaryCache;
    let g: (name: string) => string;

    beforeEach(async () => {
      opened = await open();
      cache = opened.cache;
      const run = randomUUID().slice(0, 8);
      g = (name) => `${run}:${name}`;
    });
    afterEach(() => opened.cleanup());

    /** A miss, then a set with its lease, as a query does. */
    const fill = async (group: string, field: string, value: unknown, ttlMs = TTL) => {
      const lookup = await cache.get(group, field, ttlMs);
      if (lookup.hit) throw new Error(`expected a miss for ${group}/${field}`);
      return cache.set(group, field, value, lookup.lease);
    };

    it('misses with a lease, then answers what the lease holder stored, as a copy', async () => {
      const value = { summary: { deliveredCount: 2, readAt: null }, list: [1, 'two'] };
      expect(await fill(g('c'), 'm1', value)).toBe(true);
      const hit = await cache.get<typeof value>(g('c'), 'm1', TTL);
      expect(hit).toEqual({ hit: true, value });
      if (hit.hit) hit.value.list.push(3);
      expect(await cache.get(g('c'), 'm1', TTL)).toEqual({ hit: true, value });
    });

    it('keeps fields and groups apart, and a new lease overwrites nothing', async () => {
      await fill(g('c'), 'm1', 1);
      await fill(g('c'), 'm2', 2);
      await fill(g('d'), 'm1', 3);
      expect(await cache.get(g('c'), 'm1', TTL)).toEqual({ hit: true, value: 1 });
      expect(await cache.get(g('c'), 'm2', TTL)).toEqual({ hit: true, value: 2 });
      expect(await cache.get(g('d'), 'm1', TTL)).toEqual({ hit: true, value: 3 });
      expect(await cache.get(g('d'), 'm2', TTL)).toMatchObject({ hit: false });
    });

    it('gives a valid lease to the first miss only; later readers do not fill', async () => {
      const first = await cache.get(g('c'), 'm1', TTL);
      const second = await cache.get(g('c'), 'm1', TTL);
      if (first.hit || second.hit) throw new Error('expected two misses');
      expect(await cache.set(g('c'), 'm1', 'late', second.lease)).toBe(false);
      expect(await cache.set(g('c'), 'm1', 'first', first.lease)).toBe(true);
      expect(await cache.get(g('c'), 'm1', TTL)).toEqual({ hit: true, value: 'first' });
    });

    it('refuses a value read before an invalidation (the lease is gone with the group)', async () => {
      const before = await cache.get(g('c'), 'm1', TTL);
      if (before.hit) throw new Error('expected a miss');
      await cache.invalidate([g('c')]);
      expect(await cache.set(g('c'), 'm1', 'stale', before.lease)).toBe(false);
      expect(await cache.get(g('c'), 'm1', TTL)).toMatchObject({ hit: false });
    });

    it('invalidation drops every field of the named groups and nothing else', async () => {
      await fill(g('c'), 'm1', 1);
      await fill(g('c'), 'm2', 2);
      await fill(g('u'), 'all', 3);
      await cache.invalidate([g('c'), g('never-cached')]);
      await cache.invalidate([]);
      const after = await cache.get(g('c'), 'm1', TTL);
      expect(after).toMatchObject({ hit: false });
      expect(await cache.get(g('c'), 'm2', TTL)).toMatchObject({ hit: false });
      expect(await cache.get(g('u'), 'all', TTL)).toEqual({ hit: true, value: 3 });
      if (!after.hit) expect(await cache.set(g('c'), 'm1', 'fresh', after.lease)).toBe(true);
    });

    it('invalidates thousands of groups in one call', async () => {
      const groups = Array.from({ length: 1200 }, (_, i) => g(`u${i}`));
      for (const group of groups.slice(0, 20)) await fill(group, 'all', group);
      await cache.invalidate([...groups, ...groups]);
      for (const group of groups.slice(0, 20)) {
        expect(await cache.get(group, 'all', TTL)).toMatchObject({ hit: false });
      }
    });

    it('expires a group ttl after its first entry, later entries included', async () => {
      expect(await fill(g('c'), 'm1', 1, 300)).toBe(true);
      await delay(100);
      expect(await fill(g('c'), 'm2', 2, 300)).toBe(true);
      const deadline = Date.now() + 3000;
      while ((await cache.get(g('c'), 'm1', 300)).hit) {
        if (Date.now() > deadline) throw new Error('m1 never expired');
        await delay(10);
      }
      // m2, stored 100 ms later, went with the group rather than living 300 ms of its own.
      expect(await cache.get(g('c'), 'm2', 300)).toMatchObject({ hit: false });
    });
  });
};
