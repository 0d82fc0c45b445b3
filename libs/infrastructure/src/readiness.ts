import { Inject, Injectable, Optional } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { type FollowingProjection, WriteHealth } from '@receipts/application';
import { EVENT_STORE, type EventStore } from '@receipts/event-store';
import { READ_STORE, type ReadStore } from '@receipts/read-store';
import { PROJECTION } from './projection.module';
import { REDIS_CLIENT, redisState } from './redis';

type State = 'up' | 'down';

export type ReadinessReport = Readonly<{
  /** Whether the node can take traffic: both stores up (Redis only degrades it). */
  ready: boolean;
  status: 'ok' | 'degraded' | 'unavailable';
  detail: Record<string, unknown>;
}>;

/**
 * Each dependency's state: the stores are required; Redis only degrades the service (queries
 * fall back to the store, pushes cross no nodes). The event store is `read-only` when its last
 * append failed and a probe write still fails.
 */
@Injectable()
export class Readiness {
  constructor(
    @Inject(EVENT_STORE) private readonly events: EventStore,
    @Inject(READ_STORE) private readonly reads: ReadStore,
    @Inject(PROJECTION) private readonly projection: FollowingProjection,
    private readonly writes: WriteHealth,
    @Optional() @Inject(REDIS_CLIENT) private readonly redis: Redis | null = null,
  ) {}

  async check(): Promise<ReadinessReport> {
    const [eventReads, eventWrites, readStore, redis] = await Promise.all([
      probe(() => this.events.readAll({ maxCount: 1 })),
      this.writes.check(),
      probe(() => this.reads.totalUnread('health-probe')),
      this.redis ? redisState(this.redis) : null,
    ]);
    // A store that answers reads but refuses every append (a full disk) cannot take ACKs.
    const eventStore: State | 'read-only' =
      eventReads === 'down' ? 'down' : eventWrites === 'down' ? 'read-only' : 'up';
    const { position, running, paused } = this.projection.status();
    const ready = eventStore === 'up' && readStore === 'up';
    const status = !ready ? 'unavailable' : redis === 'down' ? 'degraded' : 'ok';
    const detail = {
      status,
      eventStore,
      readStore,
      ...(redis ? { redis } : {}),
      projector: {
        running,
        state: !running ? 'stopped' : paused ? 'paused' : 'running',
        position: position === null ? null : String(position),
      },
    };
    return { ready, status, detail };
  }
}

const probe = async (check: () => Promise<unknown>): Promise<State> => {
  try {
    await check();
    return 'up';
  } catch {
    return 'down';
  }
};
