import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeReadStoreConformance } from '@receipts/testing';
import { SqliteReadStore } from './sqlite-read-store';

for (const bulk of [false, true]) {
  describeReadStoreConformance(
    `SqliteReadStore${bulk ? ' (bulk, for rebuilds)' : ''}`,
    async (options) => {
      const dir = await mkdtemp(join(tmpdir(), 'receipts-read-store-'));
      const store = new SqliteReadStore(join(dir, 'read-models.sqlite'), { bulk, ...options });
      return {
        store,
        cleanup: async () => {
          await store.close();
          await rm(dir, { recursive: true, force: true });
        },
      };
    },
  );
}
