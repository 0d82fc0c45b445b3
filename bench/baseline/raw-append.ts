/**
 * Baseline (b): the raw durable append limit. Copies the events of a benchmark log, as stored,
 * into a fresh SQLite file with the same table (WAL, synchronous = FULL), one transaction per
 * batch, so each batch costs one fsync. No decoding, no deciding, no network.
 * Usage: node dist/bench/baseline/raw-append.js <events.sqlite> <out dir> [max events]
 */
import Database from 'better-sqlite3';
import { rmSync } from 'node:fs';
import { join } from 'node:path';

export type RawAppendResult = {
  /** Events per second by batch size (events per transaction and fsync). */
  byBatch: Array<{ batch: number; events: number; eventsPerSecond: number }>;
  eventsPerSecond: number;
};

type Row = {
  stream: string;
  revision: number;
  id: string;
  type: string;
  data: string;
  metadata: string;
  recorded_at: number;
};

const source = process.argv[2] ?? 'events.sqlite';
const outDir = process.argv[3] ?? '.';
const maxEvents = Number(process.argv[4] ?? 500_000);

const input = new Database(source, { readonly: true });
const schema = input
  .prepare(`SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'events'`)
  .pluck()
  .get() as string;
const rows = input
  .prepare(
    'SELECT stream, revision, id, type, data, metadata, recorded_at FROM events ORDER BY position LIMIT ?',
  )
  .all(maxEvents) as Row[];
input.close();

const appendInBatches = (batch: number, count: number): number => {
  const file = join(outDir, `raw-${batch}.sqlite`);
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(schema);
  const insert = db.prepare(
    'INSERT INTO events (stream, revision, id, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const write = db.transaction((slice: Row[]) => {
    for (const r of slice)
      insert.run(r.stream, r.revision, r.id, r.type, r.data, r.metadata, r.recorded_at);
  });
  const started = performance.now();
  for (let i = 0; i < count; i += batch) write(rows.slice(i, Math.min(i + batch, count)));
  const seconds = (performance.now() - started) / 1000;
  db.close();
  for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
  return count / seconds;
};

// The same events for batches of 100 and 1000 (a growing id index slows later inserts down).
const byBatch = [
  { batch: 1, events: Math.min(rows.length, 2_000) },
  { batch: 100, events: rows.length },
  { batch: 1000, events: rows.length },
].map(({ batch, events }) => ({ batch, events, eventsPerSecond: appendInBatches(batch, events) }));

const result: RawAppendResult = {
  byBatch,
  eventsPerSecond: Math.max(...byBatch.map((b) => b.eventsPerSecond)),
};
console.log(JSON.stringify(result));
