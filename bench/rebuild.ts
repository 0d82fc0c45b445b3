/**
 * Rebuild rate: replays a copied event log into a fresh bulk-mode read-model file with the
 * service's own rebuild (folded in memory, or applied in batches), and checks the rebuilt tables
 * row by row against the live ones.
 * Usage: node dist/bench/rebuild.js <data dir copy> memory|batches; prints one JSON line.
 */
import { join } from 'node:path';
import { type RebuildOptions, rebuildReadModels } from '@receipts/application';
import { SqliteEventStore } from '@receipts/event-store';
import { READ_MODEL_TABLES, SqliteReadStore, readModelContents } from '@receipts/read-store';

export type RebuildResult = {
  via: RebuildOptions['via'];
  events: number;
  seconds: number;
  eventsPerSecond: number;
  /** Read-model rows the rebuild produced, per second (events differ: a group message makes G rows). */
  rowsPerSecond: number;
  peakRssMb: number;
  /** Row counts of every read-model table, rebuilt vs live. */
  tables: Record<string, { rebuilt: number; live: number }>;
  /** Every row of every table equal (unread totals of 0 count as no row). */
  matchesLive: boolean;
};

const main = async (dir: string, via: RebuildOptions['via']): Promise<void> => {
  const events = new SqliteEventStore(join(dir, 'events.sqlite'));
  const rebuiltFile = join(dir, `rebuilt-${via}-read-models.sqlite`);
  const reads = new SqliteReadStore(rebuiltFile, { bulk: true });
  const started = performance.now();
  const replayed = await rebuildReadModels(events, reads, { via });
  const seconds = (performance.now() - started) / 1000;
  await events.close();
  await reads.close();
  const rebuilt = readModelContents(rebuiltFile);
  const live = readModelContents(join(dir, 'read-models.sqlite'));
  const tables = Object.fromEntries(
    READ_MODEL_TABLES.map((t) => [t, { rebuilt: rebuilt[t].length, live: live[t].length }]),
  );
  const result: RebuildResult = {
    via,
    events: replayed,
    seconds,
    eventsPerSecond: replayed / seconds,
    rowsPerSecond: READ_MODEL_TABLES.reduce((sum, t) => sum + rebuilt[t].length, 0) / seconds,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    tables,
    matchesLive: READ_MODEL_TABLES.every(
      (t) =>
        rebuilt[t].length === live[t].length && rebuilt[t].every((row, i) => row === live[t][i]),
    ),
  };
  console.log(JSON.stringify(result));
};

main(process.argv[2] ?? '.', process.argv[3] === 'batches' ? 'batches' : 'memory').catch(
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
