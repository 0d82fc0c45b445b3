import { statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReadModelChange } from '@receipts/read-models';
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

describe('SqliteReadStore, beyond the port', () => {
  it('checkpoints its write-ahead log on a thread of its own, never inside a commit', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'receipts-read-store-'));
    const file = join(dir, 'read-models.sqlite');
    const store = new SqliteReadStore(file);
    try {
      const members = Array.from({ length: 50 }, (_, i) => `member-${i}`);
      for (let sequence = 1; sequence <= 200; sequence++) {
        const change: ReadModelChange = {
          kind: 'message_registered',
          conversationId: 'big-group',
          messageId: `m${sequence}`,
          sequence,
          senderId: 'alice',
          sentAt: '2026-12-01T10:00:00.000Z',
          recipientIds: members,
        };
        await store.apply('receipts', [change], BigInt(sequence));
      }
      // About 690 KB of pages, written as 30 MB of log: under the writer's safety net (40 MB), so
      // only the checkpoint thread copies them into the file (the schema's 4 KB until then).
      const copied = () => statSync(file).size;
      const deadline = Date.now() + 5000;
      while (copied() < 500_000 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(copied()).toBeGreaterThanOrEqual(500_000);
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  }, 20_000);
});
