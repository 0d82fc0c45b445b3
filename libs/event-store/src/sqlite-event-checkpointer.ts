import { Worker } from 'node:worker_threads';
import { workerModule } from './worker-module';

const WORKER = workerModule(__filename, 'sqlite-event-checkpoint.worker');

export type CheckpointerData = Readonly<{ file: string; intervalMs: number }>;

/**
 * Checkpoints the event log's write-ahead log on a thread of its own, every `intervalMs`. SQLite
 * would otherwise checkpoint inside a commit every 1,000 pages, and every append of that group
 * commit would wait for it (docs/BENCHMARKS.md, "Fourth round": commit p99 17 ms instead of
 * 2 ms on a log of 900,000 events). The writer keeps a far larger automatic threshold as a safety
 * net, should this thread die.
 */
export class SqliteEventCheckpointer {
  private readonly worker: Worker;
  private closing: Promise<void> | null = null;

  constructor(file: string, intervalMs = 1000) {
    this.worker = new Worker(WORKER.file, {
      workerData: { file, intervalMs } satisfies CheckpointerData,
      execArgv: WORKER.execArgv,
    });
    // A checkpoint thread never keeps the process alive, and its failure loses nothing.
    this.worker.unref();
    this.worker.on('error', () => undefined);
  }

  close(): Promise<void> {
    this.closing ??= new Promise((resolve) => {
      this.worker.once('exit', () => resolve());
      this.worker.ref();
      this.worker.postMessage('close');
    });
    return this.closing;
  }
}
