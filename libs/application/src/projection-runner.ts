import { setImmediate } from 'node:timers/promises';
import { type DomainEvent, decodeEvent, isDomainEventType } from '@receipts/domain';
import type { EventStore, GlobalPosition, RecordedEvent } from '@receipts/event-store';
import {
  type FeedEntry,
  PROJECTED_EVENT_TYPES,
  type ReceiptDelta,
  projectEvent,
} from '@receipts/read-models';
import type { AppliedBatch, ReadStore } from '@receipts/read-store';

export type ProjectionRunnerOptions = Readonly<{
  projection: string;
  batchSize: number;
  /** First wait after a failure; doubles up to `maxBackoffMs`. */
  backoffMs: number;
  maxBackoffMs: number;
  onError: (error: unknown) => void;
  /**
   * Told of each batch once it is committed, before the next is taken: what follows a commit
   * (metrics, cache invalidation, pushes: `ProjectionEffects`), here or in another thread.
   */
  onCommitted?: (batch: CommittedBatch) => Promise<void>;
  /** Told where it starts following the log from (the committed checkpoint), at each start. */
  onFollowing?: (position: GlobalPosition) => void;
  /**
   * After a batch smaller than `batchSize`, wait this long before taking the next, so that under
   * load batches grow (fewer transactions, lookups and push frames) at a bounded cost in lag.
   */
  settleMs?: number;
}>;

export type ProjectionStatus = Readonly<{ position: GlobalPosition | null; running: boolean }>;

/** A batch committed to the read models with its checkpoint, and what it changed for whom. */
export type CommittedBatch = Readonly<{
  position: GlobalPosition;
  events: number;
  /** When each of the batch's events was recorded (ms since the epoch), for the lag. */
  recordedAt: readonly number[];
  deltas: readonly ReceiptDelta[];
  /** The deltas as numbered in each user's feed, committed with them. */
  feed: readonly FeedEntry[];
}>;

/** A projection that follows the log, inline (`ProjectionRunner`) or on its own thread. */
export interface FollowingProjection {
  run(signal: AbortSignal): Promise<void>;
  status(): ProjectionStatus;
}

/**
 * Follows the log from the projection's checkpoint, applies each batch to the read models
 * together with the checkpoint, then pushes. After a failure it starts again from the committed
 * checkpoint, so nothing is skipped and nothing is counted twice.
 */
export class ProjectionRunner implements FollowingProjection {
  private position: GlobalPosition | null = null;
  private running = false;

  constructor(
    private readonly events: EventStore,
    private readonly readStore: ReadStore,
    private readonly options: ProjectionRunnerOptions,
  ) {}

  status(): ProjectionStatus {
    return { position: this.position, running: this.running };
  }

  async run(signal: AbortSignal): Promise<void> {
    this.running = true;
    let backoff = this.options.backoffMs;
    try {
      while (!signal.aborted) {
        try {
          await this.follow(signal);
        } catch (error) {
          if (signal.aborted) break;
          this.options.onError(error);
          await sleep(backoff, signal);
          backoff = Math.min(backoff * 2, this.options.maxBackoffMs);
        }
      }
    } finally {
      this.running = false;
    }
  }

  /** Replays the whole log into emptied read models, without pushes. Returns events replayed. */
  async rebuild(onProgress: (position: GlobalPosition, events: number) => void): Promise<number> {
    await this.readStore.reset(this.options.projection);
    let after: GlobalPosition = 0n;
    let replayed = 0;
    for (;;) {
      const batch = await this.events.readAll({ after, maxCount: this.options.batchSize });
      if (batch.length === 0) return replayed;
      await this.applyBatch(batch);
      after = batch.at(-1)!.position;
      replayed += batch.length;
      onProgress(after, replayed);
    }
  }

  private async follow(signal: AbortSignal): Promise<void> {
    const after = (await this.readStore.loadCheckpoint(this.options.projection)) ?? 0n;
    this.position = after;
    this.options.onFollowing?.(after);
    for await (const batch of this.events.subscribeToAll({
      after,
      batchSize: this.options.batchSize,
      signal,
    })) {
      const { deltas, feed } = await this.applyBatch(batch);
      this.position = batch.at(-1)!.position;
      await this.options.onCommitted?.({
        position: this.position,
        events: batch.length,
        recordedAt: batch.map((event) => event.recordedAt.getTime()),
        deltas,
        feed,
      });
      const settle = this.options.settleMs ?? 0;
      if (batch.length < this.options.batchSize) {
        if (settle > 0) await sleep(settle, signal);
      } else {
        // A backlog's batches come back to back and would hold the event loop: the process's
        // HTTP and sockets (the API, with the projector inline) get a turn between them.
        await setImmediate();
      }
    }
  }

  /** Commits the batch with its checkpoint; returns what changed for whom. */
  private applyBatch(batch: readonly RecordedEvent[]): Promise<AppliedBatch> {
    const changes = toDomainEvents(batch).flatMap(projectEvent);
    return this.readStore.apply(this.options.projection, changes, batch.at(-1)!.position);
  }
}

/** Events of other types (another service's, or system events) are not ours to project. */
const toDomainEvents = (batch: readonly RecordedEvent[]): DomainEvent[] =>
  batch
    .filter((e) => isDomainEventType(e.type) && PROJECTED_EVENT_TYPES.has(e.type))
    .map((e) => decodeEvent(e.type, e.metadata.schemaVersion, e.data));

/** Resolves after `ms`, or at once on abort; leaves no listener on the long-lived signal behind. */
const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
