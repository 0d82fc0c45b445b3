import type { EventStore, GlobalPosition } from '@receipts/event-store';
import type { ReadStore, RebuildLease } from '@receipts/read-store';
import { isLeaseStale } from './rebuild-lease';

/** Events behind the checkpoint are counted up to this many; beyond it the count says "at least". */
export const LAG_COUNT_LIMIT = 10_000;

export type ProjectionReport = Readonly<{
  projection: string;
  checkpoint: GlobalPosition | null;
  head: GlobalPosition | null;
  /** Events recorded after the checkpoint (at least this many when `lagCapped`). */
  lagEvents: number;
  lagCapped: boolean;
  /** How long ago the oldest event not yet projected was recorded; 0 when caught up. */
  lagSeconds: number;
  state: 'running' | 'paused' | 'rebuilding';
  parked: number;
  lastError: string | null;
  lastErrorAt: string | null;
  rebuild: RebuildLease | null;
}>;

/** Where a projection stands, from the log's head and the store's checkpoint and control record. */
export const reportProjection = async (
  events: EventStore,
  reads: ReadStore,
  projection: string,
  now = Date.now(),
): Promise<ProjectionReport> => {
  const [head, checkpoint, control, parked] = await Promise.all([
    events.headPosition(),
    reads.loadCheckpoint(projection),
    reads.loadControl(projection),
    reads.countParked(projection),
  ]);
  const behind =
    head !== null && (checkpoint === null || checkpoint < head)
      ? await events.readAll({ after: checkpoint ?? undefined, maxCount: LAG_COUNT_LIMIT + 1 })
      : [];
  const oldest = behind[0];
  const rebuild = control.rebuild && !isLeaseStale(control.rebuild, now) ? control.rebuild : null;
  return {
    projection,
    checkpoint,
    head,
    lagEvents: Math.min(behind.length, LAG_COUNT_LIMIT),
    lagCapped: behind.length > LAG_COUNT_LIMIT,
    lagSeconds: oldest ? Math.max(0, (now - oldest.recordedAt.getTime()) / 1000) : 0,
    state: rebuild ? 'rebuilding' : control.state,
    parked,
    lastError: control.lastError,
    lastErrorAt: control.lastErrorAt,
    rebuild,
  };
};
