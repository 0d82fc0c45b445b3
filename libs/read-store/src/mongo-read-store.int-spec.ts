import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { describeReadStoreConformance } from '@receipts/testing';
import { MongoReadStore } from './mongo-read-store';

const url = process.env.MONGODB_URL;

if (url) {
  /** `reset` drops every read model, so each test gets a database of its own, dropped after it. */
  const run = `receipts_conformance_${randomUUID().slice(0, 8)}`;
  let opened = 0;
  describeReadStoreConformance('MongoReadStore', async (options) => {
    opened += 1;
    const dbName = `${run}_${opened}`;
    const client = await new MongoClient(url).connect();
    const store = new MongoReadStore(client, dbName, options);
    await store.init();
    return {
      store,
      cleanup: async () => {
        await client.db(dbName).dropDatabase();
        await store.close();
      },
    };
  });
} else {
  console.warn('skipped: no MongoDB server (set MONGODB_URL)');
  // Reported as skipped, so a run without the server never counts it as passed.
  it.skip('MongoReadStore: the read store conformance suite (no server: set MONGODB_URL)', () =>
    undefined);
}
