import type { CommittedBatch } from '@receipts/application';

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
  | Readonly<{ kind: 'error'; message: string }>;
