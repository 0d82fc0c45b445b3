import type { EventStore, RecordedEvent } from '@receipts/event-store';
import { StreamStateCache } from './stream-state-cache';

/** Streams whose state is the number of events read; each stream has as many events as its name says. */
const storeOf = (reads: string[]): EventStore =>
  ({
    readStream: (stream: string, from = 0n) => {
      reads.push(stream);
      const length = BigInt(stream.split('-')[1] ?? '0');
      const events: RecordedEvent[] = [];
      for (let revision = from; revision < length; revision += 1n) {
        events.push({
          id: `${stream}-${revision}`,
          stream,
          revision,
          position: revision,
          type: 'counted',
          data: null,
          metadata: { schemaVersion: 1 },
          recordedAt: new Date(0),
        });
      }
      return Promise.resolve(events);
    },
  }) as unknown as EventStore;

const cacheOf = (reads: string[], streams: number, weight: number) =>
  new StreamStateCache<number, null>(
    storeOf(reads),
    () => 0,
    (state, events) => state + events.length,
    () => null,
    { streams, weight, weigh: (state) => state },
  );

describe('StreamStateCache bounds', () => {
  it('drops the least recently used streams beyond its weight', async () => {
    const reads: string[] = [];
    const cache = cacheOf(reads, 100, 10);
    await cache.loadForAppend('a-4');
    await cache.loadForAppend('b-4');
    await cache.loadForAppend('a-4');
    await cache.loadForAppend('c-4');
    expect(reads).toEqual(['a-4', 'b-4', 'c-4']);
    await cache.loadForAppend('a-4');
    await cache.loadForAppend('b-4');
    expect(reads).toEqual(['a-4', 'b-4', 'c-4', 'b-4']);
  });

  it('keeps the stream just used even when it alone is over the weight', async () => {
    const reads: string[] = [];
    const cache = cacheOf(reads, 100, 3);
    expect((await cache.loadForAppend('big-7')).state).toBe(7);
    expect((await cache.loadForAppend('big-7')).state).toBe(7);
    expect(reads).toEqual(['big-7']);
  });

  it('drops the least recently used streams beyond its count', async () => {
    const reads: string[] = [];
    const cache = cacheOf(reads, 2, 1_000);
    for (const stream of ['a-1', 'b-1', 'c-1', 'b-1', 'a-1']) await cache.loadForAppend(stream);
    expect(reads).toEqual(['a-1', 'b-1', 'c-1', 'a-1']);
  });
});
