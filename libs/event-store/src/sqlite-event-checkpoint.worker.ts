import { parentPort, workerData } from 'node:worker_threads';
import { openEventFile } from './sqlite-event-file';
import type { CheckpointerData } from './sqlite-event-checkpointer';

/*
 * The checkpoint thread, started by SqliteEventCheckpointer: copies the write-ahead log back
 * into the file on its own connection, so the writer's commits never wait for a checkpoint.
 * Passive: it never blocks a writer or a reader, and does what the readers allow.
 */

const port = parentPort!;
const { file, intervalMs } = workerData as CheckpointerData;
const db = openEventFile(file);
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
