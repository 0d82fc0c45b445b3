/**
 * How long the event log's commits stall while SQLite checkpoints its write-ahead log:
 * `npm run build && node dist/bench/wal-stalls.js [rows] [seconds]`. Grows a log file to `rows`
 * events (default 900,000, about a full benchmark run's log), then commits 3 events every 2 ms
 * (about 1,300 events/s, the 50% phase's rate) for `seconds` (default 30) three ways, each on its
 * own copy of the grown file: as the service does today (SQLite checkpoints inside a commit every
 * 1,000 pages), with no checkpoint at all (the write-ahead log just grows), and with checkpoints
 * taken by a second process every second (`wal_autocheckpoint = 0` on the writer). Prints the
 * commit latencies of each.
 */
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { openEventFile } from '@receipts/event-store';
import { table } from './format';

type Variant = 'automatic' | 'none' | 'separate';

const appender = (db: Database.Database, firstRevision: number) => {
  const insert = db.prepare(
    `INSERT INTO events (stream, revision, id, type, data, metadata, recorded_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const data = JSON.stringify({
    conversationId: 'c-0123456789',
    userId: 'u-0123456789',
    deviceId: 'phone',
    messages: [{ messageId: 'm-0123456789', sequence: 12 }],
    deliveredAt: new Date().toISOString(),
  });
  const metadata = JSON.stringify({ schemaVersion: 2, correlationId: randomUUID() });
  let revision = firstRevision;
  return db.transaction((count: number) => {
    for (let i = 0; i < count; i++, revision++) {
      insert.run(
        `receipts-${revision % 4999}`,
        revision,
        randomUUID(),
        'message_delivered',
        data,
        metadata,
        Date.now(),
      );
    }
  });
};

const grow = (file: string, rows: number): void => {
  const db = openEventFile(file);
  const append = appender(db, 0);
  for (let done = 0; done < rows; done += 1000) append(Math.min(1000, rows - done));
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
};

const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;

const commitLatencies = async (file: string, variant: Variant, seconds: number) => {
  const db = openEventFile(file);
  if (variant !== 'automatic') db.pragma('wal_autocheckpoint = 0');
  const checkpointer =
    variant === 'separate' ? fork(__filename, ['checkpointer', file], { stdio: 'inherit' }) : null;
  const append = appender(db, 1e9);
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    const started = performance.now();
    append(3);
    latencies.push(performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  checkpointer?.kill('SIGTERM');
  db.close();
  return latencies.sort((a, b) => a - b);
};

const checkpointEverySecond = (file: string): void => {
  const db = openEventFile(file);
  setInterval(() => db.pragma('wal_checkpoint(PASSIVE)'), 1000);
};

const main = async (rows: number, seconds: number): Promise<void> => {
  const dir = mkdtempSync(join(tmpdir(), 'receipts-wal-'));
  try {
    const grown = join(dir, 'grown.sqlite');
    grow(grown, rows);
    const results: string[][] = [];
    for (const variant of ['automatic', 'none', 'separate'] as const) {
      const file = join(dir, `${variant}.sqlite`);
      copyFileSync(grown, file);
      const sorted = await commitLatencies(file, variant, seconds);
      const ms = (p: number) => percentile(sorted, p).toFixed(2);
      results.push([
        variant,
        String(sorted.length),
        ms(0.5),
        ms(0.99),
        ms(0.999),
        sorted.at(-1)!.toFixed(1),
      ]);
    }
    console.log(
      `commit latency (ms) of 3 events every 2 ms for ${seconds} s, on a log of ${rows} events`,
    );
    console.log(table(['checkpoints', 'commits', 'p50', 'p99', 'p99.9', 'max'], results));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

if (process.argv[2] === 'checkpointer') checkpointEverySecond(process.argv[3]!);
else void main(Number(process.argv[2] ?? 900_000), Number(process.argv[3] ?? 30));
