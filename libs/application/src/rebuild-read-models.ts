import type { EventStore, GlobalPosition } from '@receipts/event-store';
import { RECEIPTS_PROJECTION } from '@receipts/read-models';
import { MemoryReadStore, type ReadModelRows, type ReadStore } from '@receipts/read-store';
import { ProjectionRunner } from './projection-runner';

/** A store a rebuild can write into either way (SqliteReadStore). */
export type RebuildTarget = ReadStore &
  Readonly<{ importRows(rows: ReadModelRows): Promise<void> }>;

export type RebuildOptions = Readonly<{
  /**
   * `memory`: fold the whole log in memory, then write every row once, in key order. Faster on
   * small logs, but holds every read model in the heap: its memory and GC time grow with them.
   * `batches`: apply the log batch by batch to the target; memory stays flat.
   */
  via: 'memory' | 'batches';
  batchSize?: number;
  /** Entries each user's change feed keeps: the target's, for the same feed as it would keep. */
  feedRetention?: number;
  onProgress?: (position: GlobalPosition, events: number) => void;
}>;

/**
 * Rebuilds the read models from the whole log into `target`, which should be a fresh store that
 * nothing reads yet (a bulk-mode file, swapped in when done). Returns the events replayed.
 */
export const rebuildReadModels = async (
  events: EventStore,
  target: RebuildTarget,
  { via, batchSize = 5_000, feedRetention, onProgress = () => undefined }: RebuildOptions,
): Promise<number> => {
  const into = via === 'memory' ? new MemoryReadStore({ feedRetention }) : target;
  const runner = new ProjectionRunner(events, into, {
    projection: RECEIPTS_PROJECTION,
    batchSize,
    backoffMs: 100,
    maxBackoffMs: 1000,
    onError: () => undefined,
  });
  const replayed = await runner.rebuild(onProgress);
  if (into instanceof MemoryReadStore) await target.importRows(into.rows());
  return replayed;
};
