import 'reflect-metadata';
import { parentPort, workerData } from 'node:worker_threads';
import { ProjectionRunner } from '@receipts/application';
import { SqliteEventStore } from '@receipts/event-store';
import { SqliteReadStore } from '@receipts/read-store';
import type {
  FromProjectionThread,
  ProjectionThreadData,
  ToProjectionThread,
} from './projection-thread.messages';

/*
 * The projection thread, started by ProjectionThread: it follows the event log and commits the
 * read models on its own connections, on its own core, and hands each committed batch to the
 * serving thread for its effects (cache invalidation, pushes). It runs at most
 * `MAX_UNHANDLED` batches ahead of those effects, so a slow push path slows it instead of
 * queueing batches without bound.
 */

const MAX_UNHANDLED = 4;

const port = parentPort!;
const data = workerData as ProjectionThreadData;
const events = new SqliteEventStore(data.eventsFile, data.pollIntervalMs);
const reads = new SqliteReadStore(data.readModelsFile, { feedRetention: data.feedRetention });
const stop = new AbortController();
const post = (message: FromProjectionThread): void => port.postMessage(message);

let unhandled = 0;
let handled: (() => void) | null = null;

port.on('message', (message: ToProjectionThread) => {
  switch (message.kind) {
    case 'appended':
      return events.wake();
    case 'handled':
      unhandled -= 1;
      handled?.();
      return;
    case 'stop':
      return stop.abort();
  }
});

const runner = new ProjectionRunner(events, reads, {
  projection: data.projection,
  batchSize: data.batchSize,
  settleMs: data.settleMs,
  backoffMs: 100,
  maxBackoffMs: 10_000,
  onError: (error) =>
    post({
      kind: 'error',
      message: error instanceof Error ? (error.stack ?? error.message) : String(error),
    }),
  onFollowing: (position) => post({ kind: 'following', position }),
  onPaused: (paused) => post({ kind: 'paused', paused }),
  reconcileEveryMs: data.reconcileEveryMs,
  onReconciled: (repairs) => post({ kind: 'reconciled', repairs }),
  onParked: (event, reason) =>
    post({
      kind: 'parked',
      position: event.position,
      type: event.type,
      stream: event.stream,
      reason,
    }),
  onCommitted: async (batch) => {
    post({ kind: 'committed', batch });
    unhandled += 1;
    while (unhandled >= MAX_UNHANDLED && !stop.signal.aborted) {
      await new Promise<void>((resolve) => (handled = resolve));
    }
  },
});

stop.signal.addEventListener('abort', () => handled?.(), { once: true });

void runner.run(stop.signal).finally(async () => {
  await events.close();
  await reads.close();
  port.close();
});
