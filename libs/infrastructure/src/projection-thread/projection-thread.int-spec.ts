import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CommittedBatch, ReceiptCommandService, ReceiptMetrics } from '@receipts/application';
import { SqliteEventStore } from '@receipts/event-store';
import { RECEIPTS_PROJECTION } from '@receipts/read-models';
import { SqliteReadStore } from '@receipts/read-store';
import { acknowledgeDelivery, registerMessage } from '@receipts/testing';
import { ProjectionThread } from './projection-thread';

jest.setTimeout(30_000);

describe('ProjectionThread', () => {
  let dir: string;
  let events: SqliteEventStore;
  let stop: AbortController;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'receipts-projection-thread-'));
    events = new SqliteEventStore(join(dir, 'events.sqlite'), 5);
    stop = new AbortController();
  });

  afterEach(async () => {
    stop.abort();
    await events.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = (committed: (batch: CommittedBatch) => Promise<void>) => {
    const errors: unknown[] = [];
    const thread = new ProjectionThread(
      {
        eventsFile: join(dir, 'events.sqlite'),
        readModelsFile: join(dir, 'read-models.sqlite'),
        feedRetention: 100,
        projection: RECEIPTS_PROJECTION,
        batchSize: 2,
        settleMs: 0,
        pollIntervalMs: 1_000,
      },
      events,
      committed,
      (error) => errors.push(error),
    );
    return { thread, running: thread.run(stop.signal), errors };
  };

  /** The thread has started (loading its modules takes a while) and follows the log. */
  const following = async (thread: ProjectionThread) => {
    while (thread.status().position === null) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };

  it('commits the read models on its own thread and hands every batch over in log order, woken by this thread’s appends', async () => {
    const batches: CommittedBatch[] = [];
    const { thread, running, errors } = start(async (batch) => {
      batches.push(batch);
    });
    await following(thread);
    const commands = new ReceiptCommandService(events, new ReceiptMetrics());
    for (let sequence = 1; sequence <= 3; sequence++) {
      await commands.registerMessage(
        registerMessage({ sequence, messageId: `m${sequence}`, recipientIds: ['bob'] }),
        {},
      );
    }
    await commands.acknowledge(acknowledgeDelivery({ messageIds: ['m1', 'm2', 'm3'] }), {});
    const head = (await events.readAll({ maxCount: 100 })).at(-1)!.position;
    // The poll is 1 s: catching up sooner shows that appends here woke the thread.
    const deadline = Date.now() + 900;
    while ((thread.status().position ?? 0n) < head && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(thread.status()).toEqual({ position: head, running: true, paused: false });

    const positions = batches.map((b) => b.position);
    expect([...positions].sort((a, b) => (a < b ? -1 : 1))).toEqual(positions);
    const deltas = batches.flatMap((b) => b.deltas);
    expect(deltas.filter((d) => d.kind === 'message_registered')).toHaveLength(3);
    expect(deltas.flatMap((d) => (d.kind === 'delivered' ? [d.message.messageId] : []))).toEqual([
      'm1',
      'm2',
      'm3',
    ]);

    const reads = new SqliteReadStore(join(dir, 'read-models.sqlite'));
    expect(await reads.loadCheckpoint(RECEIPTS_PROJECTION)).toBe(head);
    expect(await reads.totalUnread('bob')).toBe(3);
    await reads.close();

    stop.abort();
    await running;
    expect(thread.status().running).toBe(false);
    expect(errors).toEqual([]);
  });

  it('runs ahead of slow effects by a few batches only, and applies every one of them', async () => {
    const commands = new ReceiptCommandService(events, new ReceiptMetrics());
    for (let sequence = 1; sequence <= 20; sequence++) {
      await commands.registerMessage(
        registerMessage({ sequence, messageId: `m${sequence}`, recipientIds: ['bob'] }),
        {},
      );
    }
    const head = (await events.readAll({ maxCount: 1000 })).at(-1)!.position;
    let handled = 0;
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { thread, running } = start(async () => {
      await gate;
      handled += 1;
    });
    await following(thread);
    await new Promise((resolve) => setTimeout(resolve, 500));
    // Batches of 2 events: with none handled the thread waits after 4.
    expect(thread.status().position).toBeLessThan(head);
    release();
    while ((thread.status().position ?? 0n) < head) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    stop.abort();
    await running;
    expect(handled).toBe(20); // 40 events in batches of 2
  });
});
