import type { GlobalPosition } from '@receipts/event-store';
import type { ReadModelChange, ReceiptDelta } from '@receipts/read-models';

/** What an operator asked of a projection: follow the log, or hold where it stands. */
export type ProjectionState = 'running' | 'paused';

/**
 * Who is rebuilding a projection, for refusing a second rebuild and for finding a dead one's
 * lease: the process (host and pid) and when it last showed signs of life. During `switching`
 * the live projector holds still, so that the rebuilt copy can take its place at its checkpoint.
 */
export type RebuildLease = Readonly<{
  owner: string;
  host: string;
  pid: number;
  phase: 'replaying' | 'switching';
  startedAt: string;
  heartbeatAt: string;
}>;

export type ProjectionControl = Readonly<{
  projection: string;
  state: ProjectionState;
  lastError: string | null;
  lastErrorAt: string | null;
  /** When the state was last set by an operator; null while never set. */
  updatedAt: string | null;
  rebuild: RebuildLease | null;
}>;

/** An event the projection could not apply, set aside with why, so that the rest goes on. */
export type ParkedEvent = Readonly<{
  position: GlobalPosition;
  eventId: string;
  type: string;
  stream: string;
  /** Its revision in its stream, to read it back for a retry. */
  revision: bigint;
  schemaVersion: number;
  reason: string;
  parkedAt: string;
}>;

export const defaultControl = (projection: string): ProjectionControl => ({
  projection,
  state: 'running',
  lastError: null,
  lastErrorAt: null,
  updatedAt: null,
  rebuild: null,
});

/**
 * A projection's control record and its parked events, kept in the read-model store beside its
 * checkpoint: every process that runs or operates the projection sees the same ones.
 */
export interface ProjectionControlStore {
  loadControl(projection: string): Promise<ProjectionControl>;
  setState(projection: string, state: ProjectionState, at: Date): Promise<void>;
  recordError(projection: string, message: string, at: Date): Promise<void>;
  /**
   * Takes the rebuild lease when nobody holds it, or when `replacing` names its holder (a lease
   * the caller found stale). Returns whether it took it; at most one caller does.
   */
  claimRebuild(projection: string, lease: RebuildLease, replacing: string | null): Promise<boolean>;
  /** Renews the holder's lease (its heartbeat, and its phase); false when it no longer holds it. */
  renewRebuild(projection: string, lease: RebuildLease): Promise<boolean>;
  releaseRebuild(projection: string, owner: string): Promise<void>;

  /** Sets the event aside; parking one twice keeps one record. */
  park(projection: string, event: ParkedEvent): Promise<void>;
  /** Parked events in log order. */
  parkedEvents(projection: string): Promise<ParkedEvent[]>;
  countParked(projection: string): Promise<number>;
  /**
   * Applies a parked event's changes to the read models and removes it from the parked ones, in
   * one commit, leaving the checkpoint where it stands (the event is behind it).
   */
  applyParked(
    projection: string,
    position: GlobalPosition,
    changes: readonly ReadModelChange[],
  ): Promise<readonly ReceiptDelta[]>;
}
