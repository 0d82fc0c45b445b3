import { getEventListeners } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '@receipts/event-store';
import { RECEIPTS_PROJECTION } from '@receipts/read-models';
import { SqliteReadStore } from '@receipts/read-store';
import { registerMessage } from '@receipts/testing';
import { ProjectionRunner } from './projection-runner';
import { ReceiptCommandService } from './receipt-command.service';
import { ReceiptMetrics } from './receipt-metrics';

describe('ProjectionRunner over a long run', () => {
  it('leaves no listeners behind on its stop signal, however many batches it settles after', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'receipts-runner-'));
    const events = new SqliteEventStore(join(dir, 'events.sqlite'), 5);
    const reads = new SqliteReadStore(join(dir, 'read-models.sqlite'));
    const commands = new ReceiptCommandService(events, new ReceiptMetrics());
    const runner = new ProjectionRunner(events, reads, {
      projection: RECEIPTS_PROJECTION,
      batchSize: 100,
      backoffMs: 10,
      maxBackoffMs: 100,
      onError: (error) => console.error(error),
      settleMs: 1,
    });
    const stop = new AbortController();
    const running = runner.run(stop.signal);
    try {
      for (let sequence = 1; sequence <= 60; sequence++) {
        await commands.registerMessage(
          registerMessage({ sequence, messageId: `m${sequence}` }),
          {},
        );
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      const head = (await events.readAll({ maxCount: 1000 })).at(-1)!.position;
      while ((runner.status().position ?? 0n) < head) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      expect(getEventListeners(stop.signal, 'abort').length).toBeLessThanOrEqual(2);
    } finally {
      stop.abort();
      await running;
      await events.close();
      await reads.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('waits its first backoff again after a failure that follows progress', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'receipts-runner-'));
    const events = new SqliteEventStore(join(dir, 'events.sqlite'), 5);
    const reads = new SqliteReadStore(join(dir, 'read-models.sqlite'));
    const commands = new ReceiptCommandService(events, new ReceiptMetrics());
    const apply = reads.apply.bind(reads);
    let failing = 4;
    const attempts: number[] = [];
    jest.spyOn(reads, 'apply').mockImplementation((...args) => {
      attempts.push(performance.now());
      if (failing-- > 0) return Promise.reject(new Error('read store away'));
      return apply(...args);
    });
    const runner = new ProjectionRunner(events, reads, {
      projection: RECEIPTS_PROJECTION,
      batchSize: 100,
      backoffMs: 40,
      maxBackoffMs: 5_000,
      onError: () => undefined,
    });
    const caughtUp = async () => {
      const head = (await events.headPosition())!;
      while ((runner.status().position ?? 0n) < head) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };
    const stop = new AbortController();
    await commands.registerMessage(registerMessage({ sequence: 1, messageId: 'm1' }), {});
    const running = runner.run(stop.signal);
    try {
      // Four failures wait 40, 80, 160 and 320 ms; without a reset the next would wait 640 ms.
      await caughtUp();
      expect(attempts).toHaveLength(5);
      failing = 1;
      const before = attempts.length;
      await commands.registerMessage(registerMessage({ sequence: 2, messageId: 'm2' }), {});
      await caughtUp();
      expect(attempts).toHaveLength(before + 2);
      expect(attempts[before + 1]! - attempts[before]!).toBeLessThan(320);
    } finally {
      stop.abort();
      await running;
      await events.close();
      await reads.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
