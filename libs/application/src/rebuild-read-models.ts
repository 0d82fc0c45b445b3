import type { EventStore, GlobalPosition } from '@receipts/event-store';
import { RECEIPTS_PROJECTION } from '@receipts/read-models';
import { MemoryReadStore, type ReadModelRows } from '@receipts/read-store';
import { ProjectionRunner } from './projection-runner';
import type { ReceiptMetrics } from './receipt-metrics';

/** A store that can take a whole set of read models at once (SqliteReadStore). */
export type RowImporter = Readonly<{ importRows(rows: ReadModelRows): Promise<void> }>;

export type RebuildOptions = Readonly<{
  batchSize?: number;
  onProgress?: (position: GlobalPosition, events: number) => void;
}>;

/**
 * Rebuilds the read models from the whole log: folds it in memory, then writes every row once,
 * in key order, into `target` (which should be a fresh store that nothing reads yet). Much
 * faster than applying the log batch by batch to a database; needs memory in proportion to the
 * read models. Returns the number of events replayed.
 */
export const rebuildReadModels = async (
  events: EventStore,
  target: RowImporter,
  metrics: ReceiptMetrics,
  { batchSize = 10_000, onProgress = () => undefined }: RebuildOptions = {},
): Promise<number> => {
  const memory = new MemoryReadStore();
  const runner = new ProjectionRunner(events, memory, metrics, null, {
    projection: RECEIPTS_PROJECTION,
    batchSize,
    backoffMs: 100,
    maxBackoffMs: 1000,
    onError: () => undefined,
  });
  const replayed = await runner.rebuild(onProgress);
  await target.importRows(memory.rows());
  return replayed;
};
