import { Worker } from 'node:worker_threads';
import {
  type AppendResult,
  type EventToAppend,
  type ExpectedRevision,
  WrongExpectedRevisionError,
} from './event-store';
import {
  type AppendOutcome,
  type AppendRequest,
  type WriterCommand,
  type WriterData,
} from './sqlite-event-writer.messages';
import { workerModule } from './worker-module';

const WORKER = workerModule(__filename, 'sqlite-event-writer.worker');

type Waiter = { resolve: (result: AppendResult) => void; reject: (error: Error) => void };

/**
 * The main thread's side of the writer thread: gathers the appends of one event-loop turn (or of
 * `groupCommitMs`) into one message, answers each append from the worker's outcome, and starts a
 * fresh worker when one dies. Every append is answered only after the worker's COMMIT returned.
 */
export class SqliteEventWriter {
  private worker: Worker | null = null;
  private queued: Array<{ request: AppendRequest; waiter: Waiter }> = [];
  /** Posted to the current worker, not answered yet. */
  private readonly sent = new Map<number, Waiter>();
  private nextSeq = 0;
  private flushScheduled = false;
  private closing: Promise<void> | null = null;

  constructor(
    private readonly file: string,
    private readonly groupCommitMs: number,
    private readonly onCommitted: () => void,
  ) {}

  append(
    stream: string,
    events: readonly EventToAppend[],
    expected: ExpectedRevision,
  ): Promise<AppendResult> {
    if (this.closing) return Promise.reject(new Error('The event store is closed'));
    return new Promise((resolve, reject) => {
      // JSON here, not in the worker: cloning the objects for postMessage would cost this thread
      // about as much, and the worker would still have to stringify them.
      const serialised = events.map(({ id, type, data, metadata }) => ({
        id,
        type,
        data: JSON.stringify(data),
        metadata: JSON.stringify(metadata),
      }));
      const request = { seq: this.nextSeq++, stream, expected, events: serialised };
      this.queued.push({ request, waiter: { resolve, reject } });
      if (this.flushScheduled) return;
      this.flushScheduled = true;
      if (this.groupCommitMs > 0) setTimeout(this.flush, this.groupCommitMs);
      else setImmediate(this.flush);
    });
  }

  /** Answers every append already made, then stops the worker. */
  close(): Promise<void> {
    this.closing ??= this.stop();
    return this.closing;
  }

  private async stop(): Promise<void> {
    this.flush();
    const worker = this.worker;
    if (!worker) return;
    worker.ref();
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    worker.postMessage({ kind: 'close' } satisfies WriterCommand);
    await exited;
  }

  private readonly flush = (): void => {
    this.flushScheduled = false;
    if (this.queued.length === 0) return;
    const appends = this.queued.map(({ request, waiter }) => {
      this.sent.set(request.seq, waiter);
      return request;
    });
    this.queued = [];
    const worker = (this.worker ??= this.start());
    // Referenced only while appends are in flight: an idle store does not keep the process alive.
    worker.ref();
    worker.postMessage({ kind: 'append', appends } satisfies WriterCommand);
  };

  private start(): Worker {
    const workerData: WriterData = { file: this.file };
    const worker = new Worker(WORKER.file, { workerData, execArgv: WORKER.execArgv });
    let failure: Error | undefined;
    worker.on('message', (outcomes: AppendOutcome[]) => this.settle(outcomes));
    worker.on('error', (error) => {
      failure = error;
    });
    worker.on('exit', (code) => this.stopped(worker, failure ?? new Error(`exit code ${code}`)));
    return worker;
  }

  private settle(outcomes: readonly AppendOutcome[]): void {
    for (const outcome of outcomes) {
      const waiter = this.sent.get(outcome.seq);
      this.sent.delete(outcome.seq);
      if (outcome.kind === 'appended') waiter?.resolve(outcome.result);
      else waiter?.reject(toError(outcome));
    }
    if (this.sent.size === 0) this.worker?.unref();
    this.onCommitted();
  }

  /** A lost outcome may have been a commit: callers retry, and the event ids make that idempotent. */
  private stopped(worker: Worker, cause: Error): void {
    if (this.worker !== worker) return;
    this.worker = null;
    for (const waiter of this.sent.values()) {
      waiter.reject(new Error('The event writer stopped before answering this append', { cause }));
    }
    this.sent.clear();
  }
}

const toError = (outcome: Exclude<AppendOutcome, { kind: 'appended' }>): Error => {
  if (outcome.kind === 'wrong-revision') {
    return new WrongExpectedRevisionError(outcome.stream, outcome.expected, outcome.actual);
  }
  const error = new Error(outcome.message);
  error.name = outcome.name;
  return error;
};
