import { setImmediate } from 'node:timers/promises';
import type { EventStore, GlobalPosition, RecordedEvent } from '@receipts/event-store';
import type { FeedEntry, ReceiptDelta } from '@receipts/read-models';
import type {
  AppliedBatch,
  CursorKey,
  ProjectionControl,
  ReadStore,
  UnreadRepair,
} from '@receipts/read-store';
import {
  type DecodedEvent,
  type EventDecoder,
  decodeBatch,
  describeError,
  isEventFault,
  parkedRecord,
} from './poison-events';
import { isLeaseStale } from './rebuild-lease';

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
  /** How often the control record is read for a pause (default 250 ms). */
  controlPollMs?: number;
  /** Told of each event set aside (parked) because it cannot be applied. */
  onParked?: (event: RecordedEvent, reason: string) => void;
  /** Told when the runner stops for a pause, and when it follows again. */
  onPaused?: (paused: boolean) => void;
  /** How events become changes; the default decodes them with the domain's codec. */
  decode?: EventDecoder;
  /**
   * Every this often (between batches), recount the unread counts of the cursors that recent
   * batches changed, and fix stale ones (`onReconciled` is told of each fix). Off when absent.
   */
  reconcileEveryMs?: number;
  onReconciled?: (repairs: readonly UnreadRepair[]) => void;
}>;

export type ProjectionStatus = Readonly<{
  position: GlobalPosition | null;
  running: boolean;
  /** Held by an operator (`projections pause`) or by a rebuild taking its place. */
  paused: boolean;
}>;

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
  private paused = false;
  private readonly recent = new RecentCursors();
  private lastReconciled = Date.now();
  /** The wait after the next failure: doubles with each failure, back to the first after progress. */
  private backoff: number;

  constructor(
    private readonly events: EventStore,
    private readonly readStore: ReadStore,
    private readonly options: ProjectionRunnerOptions,
  ) {
    this.backoff = options.backoffMs;
  }

  status(): ProjectionStatus {
    return { position: this.position, running: this.running, paused: this.paused };
  }

  async run(signal: AbortSignal): Promise<void> {
    this.running = true;
    try {
      while (!signal.aborted) {
        try {
          if (await this.mustHold()) {
            this.setPaused(true);
            await sleep(this.controlPollMs, signal);
            continue;
          }
          this.setPaused(false);
          await this.follow(signal);
          this.backoff = this.options.backoffMs;
        } catch (error) {
          if (signal.aborted) break;
          this.options.onError(error);
          await this.readStore
            .recordError(this.options.projection, describeError(error), new Date())
            .catch(() => undefined);
          await sleep(this.backoff, signal);
          this.backoff = Math.min(this.backoff * 2, this.options.maxBackoffMs);
        }
      }
    } finally {
      this.running = false;
    }
  }

  private get controlPollMs(): number {
    return this.options.controlPollMs ?? 250;
  }

  /** Paused by an operator, or a live rebuild is swapping its copy in. */
  private async mustHold(): Promise<boolean> {
    return holds(await this.readStore.loadControl(this.options.projection));
  }

  private setPaused(paused: boolean): void {
    if (paused === this.paused) return;
    this.paused = paused;
    this.options.onPaused?.(paused);
  }

  /** Replays the whole log into emptied read models, without pushes. Returns events replayed. */
  async rebuild(onProgress: (position: GlobalPosition, events: number) => void): Promise<number> {
    await this.readStore.reset(this.options.projection);
    let replayed = 0;
    await this.replay(0n, null, (position, events) => {
      replayed += events;
      onProgress(position, replayed);
    });
    return replayed;
  }

  /**
   * Applies the log after `after` up to `until` (inclusive; to the log's current end when null)
   * batch by batch, with the checkpoint and without effects. Returns the last position applied.
   */
  async replay(
    after: GlobalPosition,
    until: GlobalPosition | null,
    onBatch: (position: GlobalPosition, events: number) => void | Promise<void> = () => undefined,
  ): Promise<GlobalPosition> {
    let position = after;
    for (;;) {
      if (until !== null && position >= until) return position;
      const page = await this.events.readAll({ after: position, maxCount: this.options.batchSize });
      const batch = until === null ? page : page.filter((e) => e.position <= until);
      if (batch.length === 0) return position;
      await this.applyBatch(batch);
      position = batch.at(-1)!.position;
      await onBatch(position, batch.length);
      if (batch.length < page.length) return position;
    }
  }

  /**
   * Follows the log from the committed checkpoint until aborted or paused. A pause is seen
   * between batches (the one being applied is committed first), also while the log is quiet.
   */
  private async follow(signal: AbortSignal): Promise<void> {
    const after = (await this.readStore.loadCheckpoint(this.options.projection)) ?? 0n;
    this.position = after;
    this.options.onFollowing?.(after);
    const pause = new AbortController();
    const watch = setInterval(() => {
      this.mustHold().then(
        (hold) => hold && pause.abort(),
        () => undefined,
      );
    }, this.controlPollMs);
    const stop = AbortSignal.any([signal, pause.signal]);
    try {
      await this.followUntil(after, stop);
    } finally {
      clearInterval(watch);
    }
  }

  private async followUntil(after: GlobalPosition, signal: AbortSignal): Promise<void> {
    for await (const batch of this.events.subscribeToAll({
      after,
      batchSize: this.options.batchSize,
      signal,
    })) {
      const { deltas, feed } = await this.applyBatch(batch);
      this.position = batch.at(-1)!.position;
      this.backoff = this.options.backoffMs;
      await this.reconcile(deltas);
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

  /**
   * Commits the batch with its checkpoint; returns what changed for whom. Events that cannot be
   * decoded are parked first, so a crash before the commit parks them again rather than losing
   * them. When the batch's commit fails with what may be an event's fault, its events are
   * applied one at a time, and the one that fails alone is parked.
   */
  private async applyBatch(batch: readonly RecordedEvent[]): Promise<AppliedBatch> {
    const decoded = decodeBatch(batch, this.options.decode);
    for (const d of decoded) if ('poison' in d) await this.park(d.event, d.poison);
    const applicable = decoded.filter((d) => 'changes' in d);
    try {
      return await this.readStore.apply(
        this.options.projection,
        applicable.flatMap((d) => d.changes),
        batch.at(-1)!.position,
      );
    } catch (error) {
      if (!isEventFault(error)) throw error;
      return this.applyOneByOne(applicable, batch.at(-1)!.position);
    }
  }

  private async applyOneByOne(
    decoded: readonly Extract<DecodedEvent, { changes: unknown }>[],
    end: GlobalPosition,
  ): Promise<AppliedBatch> {
    const { projection } = this.options;
    const deltas: ReceiptDelta[] = [];
    const feed: FeedEntry[] = [];
    for (const { event, changes } of decoded) {
      try {
        const applied = await this.readStore.apply(projection, changes, event.position);
        deltas.push(...applied.deltas);
        feed.push(...applied.feed);
      } catch (error) {
        if (!isEventFault(error)) throw error;
        await this.park(event, describeError(error));
        await this.readStore.apply(projection, [], event.position);
      }
    }
    await this.readStore.apply(projection, [], end);
    return { deltas, feed };
  }

  /** Notes the cursors a batch changed; once the interval has passed, recounts the noted ones. */
  private async reconcile(deltas: readonly ReceiptDelta[]): Promise<void> {
    const every = this.options.reconcileEveryMs;
    if (every === undefined) return;
    this.recent.note(deltas);
    if (Date.now() - this.lastReconciled < every) return;
    this.lastReconciled = Date.now();
    const repairs = await this.readStore.recountUnread(this.recent.take());
    if (repairs.length > 0) this.options.onReconciled?.(repairs);
  }

  private async park(event: RecordedEvent, reason: string): Promise<void> {
    await this.readStore.park(this.options.projection, parkedRecord(event, reason, new Date()));
    this.options.onParked?.(event, reason);
  }
}

/** Whether the projection must hold still: paused, or a live rebuild is switching in. */
export const holds = (control: ProjectionControl): boolean =>
  control.state === 'paused' ||
  (control.rebuild?.phase === 'switching' && !isLeaseStale(control.rebuild));

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

/** The cursors recent batches changed, at most `limit` (the rest wait for a later round). */
class RecentCursors {
  private readonly keys = new Map<string, CursorKey>();

  constructor(private readonly limit = 10_000) {}

  note(deltas: readonly ReceiptDelta[]): void {
    for (const delta of deltas) {
      if (delta.kind === 'message_registered') {
        const { conversationId } = delta.message;
        for (const userId of delta.recipientIds) this.add({ userId, conversationId });
      } else if (delta.kind === 'cursor_moved') {
        this.add({ userId: delta.cursor.userId, conversationId: delta.cursor.conversationId });
      }
    }
  }

  private add(key: CursorKey): void {
    if (this.keys.size < this.limit) this.keys.set(`${key.userId}\u0000${key.conversationId}`, key);
  }

  take(): CursorKey[] {
    const keys = [...this.keys.values()];
    this.keys.clear();
    return keys;
  }
}
