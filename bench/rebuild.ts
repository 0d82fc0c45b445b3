/**
 * Rebuild rate: replays a copied event log into fresh read models with the service's own
 * ProjectionRunner.rebuild, and checks the rebuilt tables against the live ones.
 * Usage: node dist/bench/rebuild.js <data dir copy>; prints one JSON line.
 */
import { join } from 'node:path';
import { ProjectionRunner, ReceiptMetrics } from '@receipts/application';
import { SqliteEventStore } from '@receipts/event-store';
import { RECEIPTS_PROJECTION } from '@receipts/read-models';
import { SqliteReadStore } from '@receipts/read-store';
import { READ_MODEL_TABLES, countRows } from './data-files';

export type RebuildResult = {
  events: number;
  seconds: number;
  eventsPerSecond: number;
  /** Read-model rows the rebuild produced, per second (events differ: a group message makes G rows). */
  rowsPerSecond: number;
  peakRssMb: number;
  /** Row counts of every read-model table, rebuilt vs live. */
  tables: Record<string, { rebuilt: number; live: number }>;
  matchesLive: boolean;
};

const main = async (dir: string): Promise<void> => {
  const events = new SqliteEventStore(join(dir, 'events.sqlite'));
  const rebuiltFile = join(dir, 'rebuilt-read-models.sqlite');
  const reads = new SqliteReadStore(rebuiltFile, { bulk: true });
  const runner = new ProjectionRunner(events, reads, new ReceiptMetrics(), null, {
    projection: RECEIPTS_PROJECTION,
    batchSize: 5000,
    backoffMs: 100,
    maxBackoffMs: 1000,
    onError: (error) => console.error(error),
  });
  const started = performance.now();
  const replayed = await runner.rebuild(() => undefined);
  const seconds = (performance.now() - started) / 1000;
  await events.close();
  await reads.close();
  const rebuilt = countRows(rebuiltFile);
  const live = countRows(join(dir, 'read-models.sqlite'));
  const tables = Object.fromEntries(
    READ_MODEL_TABLES.map((t) => [t, { rebuilt: rebuilt[t], live: live[t] }]),
  );
  const result: RebuildResult = {
    events: replayed,
    seconds,
    eventsPerSecond: replayed / seconds,
    rowsPerSecond: READ_MODEL_TABLES.reduce((sum, t) => sum + rebuilt[t], 0) / seconds,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    tables,
    matchesLive: Object.values(tables).every((t) => t.rebuilt === t.live),
  };
  console.log(JSON.stringify(result));
};

main(process.argv[2] ?? '.').catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
