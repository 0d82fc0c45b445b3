import { describeEventStoreConformance } from '@receipts/testing';
import { EsdbEventStore } from './esdb-event-store';
import type { EventStore } from './event-store';

const url = process.env.EVENTSTORE_URL;

if (url) {
  // Stream names are unique per test, so the suite shares the server with whatever else is on it.
  describeEventStoreConformance('EsdbEventStore', () => {
    const stores: EventStore[] = [new EsdbEventStore(url)];
    return Promise.resolve({
      store: stores[0]!,
      reopen: () => {
        const store = new EsdbEventStore(url);
        stores.push(store);
        return Promise.resolve(store);
      },
      cleanup: async () => {
        for (const store of stores) await store.close();
      },
    });
  });
} else {
  console.warn('skipped: no EventStoreDB server (set EVENTSTORE_URL)');
  // Reported as skipped, so a run without the server never counts it as passed.
  it.skip('EsdbEventStore: the event store conformance suite (no server: set EVENTSTORE_URL)', () =>
    undefined);
}
