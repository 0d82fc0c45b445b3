import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { workerModule } from './worker-module';

const WORKER = workerModule(__filename, 'sqlite-checkpoint.worker');

export type CheckpointerData = Readonly<{ file: string; intervalMs: number }>;

/**
 * The write-ahead log's size, in 4 KB pages, past which the writing connection checkpoints by
 * itself: only a safety net, should the checkpoint thread be gone (SQLite's default is 1,000).
 */
export const CHECKPOINT_SAFETY_NET_PAGES = 10_000;

/**
 * Checkpoints a SQLite file's write-ahead log on a thread of its own, every `intervalMs`. SQLite
 * would otherwise checkpoint inside a commit every 1,000 pages of log, and that commit (with
 * every append of its group) would wait for it: on the event log a commit p99 of 17 ms instead
 * of 2 ms (docs/BENCHMARKS.md, "Fourth round").
 */
export class SqliteCheckpointer {
  private readonly worker: Worker;
  private exited = false;
  private closing: Promise<void> | null = null;

  /** Starts the thread, and moves `writer`'s own automatic checkpoints out to the safety net. */
  constructor(file: string, writer: Database.Database | null, intervalMs = 1000) {
    writer?.pragma(`wal_autocheckpoint = ${CHECKPOINT_SAFETY_NET_PAGES}`);
    this.worker = new Worker(WORKER.file, {
      workerData: { file, intervalMs } satisfies CheckpointerData,
      execArgv: WORKER.execArgv,
    });
    // A checkpoint thread never keeps the process alive, and its failure loses nothing.
    this.worker.unref();
    this.worker.on('error', () => undefined);
    this.worker.once('exit', () => (this.exited = true));
  }

  close(): Promise<void> {
    this.closing ??= this.exited
      ? Promise.resolve()
      : new Promise((resolve) => {
          this.worker.once('exit', () => resolve());
          this.worker.ref();
          this.worker.postMessage('close');
        });
    return this.closing;
  }
}
