import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { CheckpointerData } from './sqlite-checkpointer';

/*
 * The checkpoint thread, started by SqliteCheckpointer: copies a file's write-ahead log back
 * into it on its own connection, so the writer's commits never wait for a checkpoint. Passive:
 * it never blocks a writer or a reader, and does what the readers allow.
 */

const port = parentPort!;
const { file, intervalMs } = workerData as CheckpointerData;
const db = new Database(file);
db.pragma('busy_timeout = 10000');
// The log is synced before pages are copied and the file after: what a commit made durable stays
// durable whatever the writer's own setting.
db.pragma('synchronous = FULL');
const checkpoint = (): void => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // A full disk or a busy file: the next turn tries again, the log meanwhile just grows.
  }
};
const timer = setInterval(checkpoint, intervalMs);

port.on('message', () => {
  clearInterval(timer);
  db.close();
  port.close();
});
