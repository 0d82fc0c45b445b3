import { getEventListeners } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '@receipts/event-store';
import { RECEIPTS_PROJECTION } from '@receipts/read-models';
import { SqliteReadStore } from '@receipts/read-store';
import { registerMessage } from '@receipts/testing';
import { ProjectionRunner, type ProjectionRunnerOptions } from './projection-runner';
import { ReceiptCommandService } from './receipt-command.service';
import { ReceiptMetrics } from './receipt-metrics';

describe('ProjectionRunner over a long run', () => {
  let dir: string;
  let events: SqliteEventStore;
  let reads: SqliteReadStore;
  let commands: ReceiptCommandService;
  let stop: AbortController;
  let running: Promise<void> | undefined;

  const register = (sequence: number) =>
    commands.registerMessage(registerMessage({ sequence, messageId: `m${sequence}` }), {});

  const start = (options: Partial<ProjectionRunnerOptions>): ProjectionRunner => {
    const runner = new ProjectionRunner(events, reads, {
      projection: RECEIPTS_PROJECTION,
      batchSize: 100,
      backoffMs: 10,
      maxBackoffMs: 100,
      onError: () => undefined,
      ...options,
    });
    running = runner.run(stop.signal);
    return runner;
  };

  const caughtUp = async (runner: ProjectionRunner): Promise<void> => {
    const head = (await events.headPosition())!;
    while ((runner.status().position ?? 0n) < head) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'receipts-runner-'));
    events = new SqliteEventStore(join(dir, 'events.sqlite'), 5);
    reads = new SqliteReadStore(join(dir, 'read-models.sqlite'));
    commands = new ReceiptCommandService(events, new ReceiptMetrics());
    stop = new AbortController();
    running = undefined;
  });

  afterEach(async () => {
    stop.abort();
    await running;
    await events.close();
    await reads.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('leaves no listeners behind on its stop signal, however many batches it settles after', async () => {
    const runner = start({ onError: (error) => console.error(error), settleMs: 1 });
    for (let sequence = 1; sequence <= 60; sequence++) {
      await register(sequence);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await caughtUp(runner);
    expect(getEventListeners(stop.signal, 'abort').length).toBeLessThanOrEqual(2);
  });

  it('waits its first backoff again after a failure that follows progress', async () => {
    const apply = reads.apply.bind(reads);
    let failing = 4;
    const attempts: number[] = [];
    jest.spyOn(reads, 'apply').mockImplementation((...args) => {
      attempts.push(performance.now());
      if (failing-- > 0) return Promise.reject(new Error('read store away'));
      return apply(...args);
    });
    await register(1);
    const runner = start({ backoffMs: 40, maxBackoffMs: 5_000 });
    // Four failures wait 40, 80, 160 and 320 ms; without a reset the next would wait 640 ms.
    await caughtUp(runner);
    expect(attempts).toHaveLength(5);
    failing = 1;
    const before = attempts.length;
    await register(2);
    await caughtUp(runner);
    expect(attempts).toHaveLength(before + 2);
    expect(attempts[before + 1]! - attempts[before]!).toBeLessThan(320);
  });
});
