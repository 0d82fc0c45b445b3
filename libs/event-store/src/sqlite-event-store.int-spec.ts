import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeEventStoreConformance } from '@receipts/testing';
import type { EventStore } from './event-store';
import { SqliteEventStore } from './sqlite-event-store';

describeEventStoreConformance('SqliteEventStore', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'receipts-event-store-'));
  const file = join(dir, 'events.sqlite');
  const stores: EventStore[] = [new SqliteEventStore(file)];
  return {
    store: stores[0]!,
    reopen: () => {
      const store = new SqliteEventStore(file);
      stores.push(store);
      return Promise.resolve(store);
    },
    cleanup: async () => {
      for (const store of stores) await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
