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

describe('SqliteEventStore, beyond the port', () => {
  it('rejects an event id that is already in another stream, writing nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'receipts-event-store-'));
    const store = new SqliteEventStore(join(dir, 'events.sqlite'));
    try {
      const event = {
        id: '0b0e5f3e-5a43-4a8e-9a67-1c1f0f1f2a01',
        type: 'probe',
        data: {},
        metadata: { schemaVersion: 1 },
      };
      await store.appendToStream('probe-home', [event], 'no_stream');
      await expect(store.appendToStream('probe-elsewhere', [event], 'no_stream')).rejects.toThrow();
      expect(await store.readStream('probe-elsewhere')).toEqual([]);
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
