import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { userStream } from '@receipts/domain';
import { SqliteEventStore } from '@receipts/event-store';
import { ReceiptCommandService } from './receipt-command.service';
import { ReceiptMetrics } from './receipt-metrics';

/**
 * A user's setting changes are events with ids derived from their content: two changes to the
 * same value must never share an id, or the store takes the second for a retry of the first.
 */
describe('read receipts turned off and on within one millisecond', () => {
  let dir: string;
  let store: SqliteEventStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'receipts-settings-'));
    store = new SqliteEventStore(join(dir, 'events.sqlite'));
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const changes = async () =>
    (await store.readStream(userStream('bob'))).map(({ id, data }) => ({
      id,
      ...(data as { enabled: boolean; changedAt: string }),
    }));

  it('records every change, each with its own id and a later time than the one before', async () => {
    const now = '2026-12-01T10:00:00.000Z';
    const commands = new ReceiptCommandService(store, new ReceiptMetrics());
    for (const enabled of [false, true, false, true, false]) {
      expect(await commands.setReadReceipts('bob', enabled, now)).toEqual({
        applied: 1,
        duplicates: 0,
      });
    }
    const recorded = await changes();
    expect(recorded.map((c) => c.enabled)).toEqual([false, true, false, true, false]);
    expect(new Set(recorded.map((c) => c.id)).size).toBe(5);
    expect(recorded.map((c) => c.changedAt)).toEqual([
      now,
      '2026-12-01T10:00:00.001Z',
      '2026-12-01T10:00:00.002Z',
      '2026-12-01T10:00:00.003Z',
      '2026-12-01T10:00:00.004Z',
    ]);
  });

  it('ends with the last change after a restart (a fresh service reading the stream)', async () => {
    const now = '2026-12-01T10:00:00.000Z';
    await new ReceiptCommandService(store, new ReceiptMetrics()).setReadReceipts('bob', false, now);
    await new ReceiptCommandService(store, new ReceiptMetrics()).setReadReceipts('bob', true, now);
    const third = new ReceiptCommandService(store, new ReceiptMetrics());
    expect(await third.setReadReceipts('bob', false, now)).toEqual({ applied: 1, duplicates: 0 });
    expect((await changes()).map((c) => c.enabled)).toEqual([false, true, false]);
  });
});
