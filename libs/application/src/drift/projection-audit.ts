import type { EventStore, GlobalPosition } from '@receipts/event-store';
import { type DriftRepairRecord, type ReadStore, STORED_MODEL_NAMES } from '@receipts/read-store';
import { type DriftedDocument, compareDocuments, patchFor } from './compare-documents';
import { LogReplay, type ReplayProgress } from './log-replay';

/** The live read models compared with a replay of the log up to their own checkpoint. */
export type Verification = Readonly<{
  projection: string;
  checkpoint: GlobalPosition | null;
  /** Events replayed from the start of the log to the checkpoint. */
  events: number;
  /** Documents compared, live and replayed together. */
  documents: number;
  drifted: readonly DriftedDocument[];
  replayMs: number;
  compareMs: number;
}>;

export type Repair = Readonly<{
  /** The verification the repair wrote: its drifted documents are what changed. */
  verification: Verification;
  record: DriftRepairRecord | null;
  /** A verification right after the repair (at the checkpoint the store then had). */
  after: Verification;
  attempts: number;
}>;

export class CheckpointKeptMovingError extends Error {
  constructor(attempts: number) {
    super(
      `the projection's checkpoint moved during each of ${attempts} attempts; nothing was ` +
        'written. Run repair again when the log is quieter, or with the projection paused',
    );
    this.name = 'CheckpointKeptMovingError';
  }
}

/**
 * Verify and repair for one projection, through the ports only (any adapter). Keeps its replay
 * between calls, so a second verify, or a repair retried after the checkpoint moved, replays only
 * the events that came since.
 */
export class ProjectionAudit {
  private replay: LogReplay;

  constructor(
    private readonly events: EventStore,
    private readonly reads: ReadStore,
    private readonly projection: string,
    private readonly options: Readonly<{
      batchSize?: number;
      onProgress?: (progress: ReplayProgress) => void;
    }> = {},
  ) {
    this.replay = this.newReplay();
  }

  private newReplay(): LogReplay {
    return new LogReplay(this.events, this.projection, this.options.batchSize);
  }

  /**
   * Replays to the live checkpoint (the long part, while the service keeps projecting), then reads
   * the live documents and their checkpoint in one snapshot and replays the few events up to it.
   */
  async verify(): Promise<Verification> {
    const started = Date.now();
    const early = await this.reads.loadCheckpoint(this.projection);
    if (early !== null && early >= this.replay.at) {
      await this.replay.catchUp(early, this.options.onProgress);
    }
    const live = await this.reads.snapshot(this.projection);
    const target = live.checkpoint ?? 0n;
    // A checkpoint behind the replay means the read models were reset or rebuilt since.
    if (target < this.replay.at) this.replay = this.newReplay();
    await this.replay.catchUp(target, this.options.onProgress);
    const replayed = await this.replay.store.snapshot(this.projection);
    const compared = Date.now();
    const drifted = compareDocuments(live.documents, replayed.documents);
    const size = (docs: typeof live.documents): number =>
      Object.values(docs).reduce((n, list: readonly unknown[]) => n + list.length, 0);
    return {
      projection: this.projection,
      checkpoint: live.checkpoint,
      events: this.replay.eventsReplayed,
      documents: size(live.documents) + size(replayed.documents),
      drifted,
      replayMs: compared - started,
      compareMs: Date.now() - compared,
    };
  }

  /**
   * Writes the replayed version of exactly the drifted documents, and deletes the extra ones, in
   * one write that holds only while the checkpoint is still the verified one; when it has moved,
   * verifies again (up to `attempts` times). Records who repaired what.
   */
  async repair(operator: string, now: () => Date, attempts = 5): Promise<Repair> {
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const verification = await this.verify();
      if (verification.drifted.length === 0) {
        return { verification, record: null, after: verification, attempts: attempt };
      }
      const record: DriftRepairRecord = {
        projection: this.projection,
        repairedAt: now().toISOString(),
        operator,
        checkpoint: verification.checkpoint,
        documents: countByModel(verification.drifted),
      };
      const written = await this.reads.patch(
        this.projection,
        verification.checkpoint,
        patchFor(verification.drifted),
        record,
      );
      if (written) return { verification, record, after: await this.verify(), attempts: attempt };
    }
    throw new CheckpointKeptMovingError(attempts);
  }
}

const countByModel = (drifted: readonly DriftedDocument[]): Record<string, number> => {
  const counted: Record<string, number> = {};
  for (const { model } of drifted) {
    const name = STORED_MODEL_NAMES[model];
    counted[name] = (counted[name] ?? 0) + 1;
  }
  return counted;
};

/** Documents repaired so far, by the model's stored name (the metric's label). */
export const repairedByModel = (
  records: readonly DriftRepairRecord[],
): ReadonlyMap<string, number> => {
  const totals = new Map<string, number>();
  for (const record of records) {
    for (const [model, count] of Object.entries(record.documents)) {
      totals.set(model, (totals.get(model) ?? 0) + count);
    }
  }
  return totals;
};
