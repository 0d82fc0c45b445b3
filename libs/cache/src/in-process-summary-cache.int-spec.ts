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
});
