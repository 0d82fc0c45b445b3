import { describeSummaryCacheConformance } from '@receipts/testing';
import { InProcessSummaryCache } from './in-process-summary-cache';

describeSummaryCacheConformance('InProcessSummaryCache', () =>
  Promise.resolve({ cache: new InProcessSummaryCache(), cleanup: () => Promise.resolve() }),
);

describe('InProcessSummaryCache bounds', () => {
  it('drops the oldest groups beyond its capacity', async () => {
    const cache = new InProcessSummaryCache(2);
    for (const group of ['a', 'b', 'c']) {
      const lookup = await cache.get(group, 'f', 60_000);
      if (!lookup.hit) await cache.set(group, 'f', group, lookup.lease);
    }
    expect(await cache.get('a', 'f', 60_000)).toMatchObject({ hit: false });
    expect(await cache.get('c', 'f', 60_000)).toEqual({ hit: true, value: 'c' });
  });

  it('drops expired groups when a new one opens, even if nobody asks for them again', async () => {
    let now = 0;
    const cache = new InProcessSummaryCache(100, () => now);
    for (const group of ['a', 'b']) await cache.get(group, 'f', 1_000);
    expect(cache.size).toBe(2);
    now = 500;
    const lookup = await cache.get('c', 'f', 1_000);
    if (!lookup.hit) await cache.set('c', 'f', 'kept', lookup.lease);
    expect(cache.size).toBe(3);
    now = 1_200;
    await cache.get('d', 'f', 1_000);
    expect(cache.size).toBe(2);
    expect(await cache.get('c', 'f', 1_000)).toEqual({ hit: true, value: 'kept' });
  });
});
