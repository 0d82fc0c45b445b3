import type { CommittedBatch } from '@receipts/application';
import type { UnreadRepair } from '@receipts/read-store';

/** What the projection thread is started with. */
export type ProjectionThreadData = Readonly<{
  eventsFile: string;
  readModelsFile: string;
  feedRetention: number;
  projection: string;
  batchSize: number;
  settleMs: number;
  /** How often the thread looks for appends nobody told it of (other processes). */
  pollIntervalMs: number;
  /** Unread reconciliation interval; absent: off. */
  reconcileEveryMs?: number;
}>;

export type ToProjectionThread =
  /** The serving thread committed appends: look now rather than at the next poll. */
  | Readonly<{ kind: 'appended' }>
  /** The serving thread is done with a committed batch's effects. */
  | Readonly<{ kind: 'handled' }>
  | Readonly<{ kind: 'stop' }>;

export type FromProjectionThread =
  | Readonly<{ kind: 'following'; position: bigint }>
  | Readonly<{ kind: 'committed'; batch: CommittedBatch }>
  | Readonly<{ kind: 'paused'; paused: boolean }>
  | ({ kind: 'parked' } & ParkedNotice)
  | Readonly<{ kind: 'reconciled'; repairs: readonly UnreadRepair[] }>
  | Readonly<{ kind: 'error'; message: string }>;

/** An event the projection set aside, for the serving thread's log. */
export type ParkedNotice = Readonly<{
  position: bigint;
  type: string;
  stream: string;
  reason: string;
}>;
