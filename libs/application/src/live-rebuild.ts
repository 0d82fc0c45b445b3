import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as pause } from 'node:timers/promises';
import type { EventStore, GlobalPosition } from '@receipts/event-store';
import type { ReadStore, RebuildLease } from '@receipts/read-store';
import { ProjectionRunner } from './projection-runner';
import { isLeaseStale } from './rebuild-lease';

/**
 * Where a rebuild replays to before it takes the live read models' place: a fresh copy nothing
 * reads (a bulk-mode SQLite file, shadow MongoDB collections).
 */
export interface RebuildShadow {
  /** Starts an empty copy, dropping what an interrupted rebuild left behind. */
  create(): Promise<void>;
  /** The copy, opened when needed (again after a switch that did not happen). */
  store(): Promise<ReadStore>;
  /**
   * Replaces the live read models with the copy, atomically, only while the live checkpoint is
   * `at` (the copy's). False when the live checkpoint had moved: catch up and try again. The
   * copy stays usable after a false.
   */
  switchIn(projection: string, at: GlobalPosition): Promise<boolean>;
  /** Drops the copy (after the switch, or when the rebuild fails). */
  discard(): Promise<void>;
}

export type RebuildProgress = Readonly<{
  phase: 'replaying' | 'catching up' | 'switching';
  position: GlobalPosition;
  target: GlobalPosition;
  events: number;
}>;

export type RebuildResult = Readonly<{ projection: string; events: number; at: GlobalPosition }>;

export class RebuildRefused extends Error {
  constructor(readonly lease: RebuildLease) {
    super(
      `a rebuild of this projection is already running (pid ${lease.pid} on ${lease.host}, ` +
        `since ${lease.startedAt}, last seen ${lease.heartbeatAt}); wait for it to finish`,
    );
    this.name = 'RebuildRefused';
  }
}

const HEARTBEAT_MS = 1_000;

/**
 * Rebuilds a projection without downtime: replays the log into a shadow copy while the live
 * projection keeps serving and following the log; when the copy has caught up with the live
 * checkpoint, the live runner holds (the lease's `switching` phase) and the copy replaces the
 * live read models at exactly that checkpoint, from which the live runner then goes on. The
 * replay applies no effects: history re-fires no pushes and no cache invalidations. One rebuild
 * per projection at a time (the lease in its control record); a dead one's lease is taken over.
 */
export class LiveRebuild {
  private lease: RebuildLease | null = null;
  private lastBeat = 0;

  constructor(
    private readonly events: EventStore,
    private readonly live: ReadStore,
    private readonly shadow: RebuildShadow,
    private readonly options: Readonly<{
      projection: string;
      batchSize?: number;
      onProgress?: (progress: RebuildProgress) => void;
      /** How long to wait between switch attempts while the live runner finishes its batch. */
      settleMs?: number;
    }>,
  ) {}

  async run(): Promise<RebuildResult> {
    await this.claim();
    try {
      const result = await this.replayAndSwitch();
      await this.shadow.discard();
      return result;
    } catch (error) {
      await this.shadow.discard().catch(() => undefined);
      throw error;
    } finally {
      await this.live.releaseRebuild(this.options.projection, this.lease!.owner);
    }
  }

  private async claim(): Promise<void> {
    const { projection } = this.options;
    const held = (await this.live.loadControl(projection)).rebuild;
    if (held && !isLeaseStale(held)) throw new RebuildRefused(held);
    const now = new Date().toISOString();
    const lease: RebuildLease = {
      owner: randomUUID(),
      host: hostname(),
      pid: process.pid,
      phase: 'replaying',
      startedAt: now,
      heartbeatAt: now,
    };
    if (!(await this.live.claimRebuild(projection, lease, held?.owner ?? null))) {
      const winner = (await this.live.loadControl(projection)).rebuild;
      throw winner ? new RebuildRefused(winner) : new Error('the rebuild lease was not taken');
    }
    this.lease = lease;
  }

  private async replayAndSwitch(): Promise<RebuildResult> {
    const { projection, onProgress = () => undefined } = this.options;
    await this.shadow.create();
    const runner = async () =>
      new ProjectionRunner(this.events, await this.shadow.store(), {
        projection,
        batchSize: this.options.batchSize ?? 5_000,
        backoffMs: 100,
        maxBackoffMs: 1_000,
        onError: () => undefined,
      });
    let events = 0;
    let position: GlobalPosition = 0n;
    const replayTo = async (target: GlobalPosition, phase: RebuildProgress['phase']) => {
      position = await (
        await runner()
      ).replay(position, target, async (at, count) => {
        events += count;
        onProgress({ phase, position: at, target, events });
        await this.beat(phase === 'switching' ? 'switching' : 'replaying');
      });
    };
    // Follow the live checkpoint while it moves; then hold the live runner for the last stretch.
    for (let pass = 0; pass < 3; pass++) {
      const target = (await this.live.loadCheckpoint(projection)) ?? 0n;
      if (position >= target) break;
      await replayTo(target, pass === 0 ? 'replaying' : 'catching up');
    }
    await this.beat('switching', true);
    for (;;) {
      const target = (await this.live.loadCheckpoint(projection)) ?? 0n;
      await replayTo(target, 'switching');
      if (position === target && (await this.shadow.switchIn(projection, target))) {
        onProgress({ phase: 'switching', position, target, events });
        return { projection, events, at: target };
      }
      await this.beat('switching', true);
      await pause(this.options.settleMs ?? 50);
    }
  }

  /** Renews the lease (at most once a second unless `now`); fails the rebuild if it was lost. */
  private async beat(phase: RebuildLease['phase'], now = false): Promise<void> {
    if (!now && Date.now() - this.lastBeat < HEARTBEAT_MS) return;
    this.lastBeat = Date.now();
    this.lease = { ...this.lease!, phase, heartbeatAt: new Date().toISOString() };
    if (!(await this.live.renewRebuild(this.options.projection, this.lease))) {
      throw new Error('the rebuild lease was taken over (this rebuild was seen as dead)');
    }
  }
}
