import { parentPort, workerData } from 'node:worker_threads';
import { batchAppender } from './sqlite-event-append';
import { openEventFile } from './sqlite-event-file';
import { CHECKPOINT_SAFETY_NET_PAGES } from './sqlite-checkpointer';
import type { AppendRequest, WriterCommand, WriterData } from './sqlite-event-writer.messages';

/*
 * The writer thread, started by SqliteEventWriter. Every append received while a commit runs
 * waits in the message queue; the next turn of this thread's loop takes them all and commits
 * them together (group commit that grows with load).
 */

const port = parentPort!;
const db = openEventFile((workerData as WriterData).file);
// Checkpoints are the checkpoint thread's (SqliteCheckpointer); this threshold only bounds the
// write-ahead log should that thread be gone.
db.pragma(`wal_autocheckpoint = ${CHECKPOINT_SAFETY_NET_PAGES}`);
const appendBatch = batchAppender(db);
let queued: AppendRequest[] = [];
let scheduled = false;

const commit = (): void => {
  scheduled = false;
  const batch = queued;
  queued = [];
  if (batch.length > 0) port.postMessage(appendBatch(batch));
};

port.on('message', (command: WriterCommand) => {
  if (command.kind === 'close') {
    commit();
    db.close();
    port.close();
    return;
  }
  for (const append of command.appends) queued.push(append);
  if (!scheduled) {
    scheduled = true;
    setImmediate(commit);
  }
});
