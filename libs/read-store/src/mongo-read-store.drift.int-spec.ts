import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { describeDriftRepairConformance } from '@receipts/testing';
import { MongoReadStore } from './mongo-read-store';

const url = process.env.MONGODB_URL;

if (url) {
  const run = `receipts_drift_${randomUUID().slice(0, 8)}`;
  let opened = 0;
  describeDriftRepairConformance('MongoReadStore', async () => {
    opened += 1;
    const dbName = `${run}_${opened}`;
    const client = await new MongoClient(url).connect();
    const store = new MongoReadStore(client, dbName);
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
  it.skip('MongoReadStore: drift verify and repair (no server: set MONGODB_URL)', () => undefined);
}
