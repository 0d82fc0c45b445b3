import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeDriftRepairConformance } from '@receipts/testing';
import { SqliteReadStore } from './sqlite-read-store';

describeDriftRepairConformance('SqliteReadStore', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'receipts-drift-'));
  const store = new SqliteReadStore(join(dir, 'read-models.sqlite'));
  return {
    store,
    cleanup: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
