import { Controller, Get, Header, HttpStatus, Inject, Optional, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import type { Redis } from 'ioredis';
import { ProjectionRunner, ReceiptMetrics, WriteHealth } from '@receipts/application';
import { EVENT_STORE, type EventStore } from '@receipts/event-store';
import { READ_STORE, type ReadStore } from '@receipts/read-store';
import { REDIS_CLIENT, redisState } from './redis';

type State = 'up' | 'down';

/**
 * Liveness, readiness with each dependency's state (the event store's `read-only` when its
 * last append failed and a probe write still fails), and Prometheus metrics; the API and the
 * projector serve the same. The stores are required (503 without them); Redis only degrades
 * the service (queries fall back to the store, pushes cross no nodes), so it answers 200.
 */
@ApiExcludeController()
@Controller()
export class HealthController {
  constructor(
    @Inject(EVENT_STORE) private readonly events: EventStore,
    @Inject(READ_STORE) private readonly reads: ReadStore,
    private readonly projection: ProjectionRunner,
    private readonly metrics: ReceiptMetrics,
    private readonly writes: WriteHealth,
    @Optional() @Inject(REDIS_CLIENT) private readonly redis: Redis | null = null,
  ) {}

  @Get('health/live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('health/ready')
  async ready(@Res({ passthrough: true }) response: Response): Promise<Record<string, unknown>> {
    const [eventReads, eventWrites, readStore, redis] = await Promise.all([
      probe(() => this.events.readAll({ maxCount: 1 })),
      this.writes.check(),
      probe(() => this.reads.totalUnread('health-probe')),
      this.redis ? redisState(this.redis) : null,
    ]);
    // A store that answers reads but refuses every append (a full disk) cannot take ACKs.
    const eventStore: State | 'read-only' =
      eventReads === 'down' ? 'down' : eventWrites === 'down' ? 'read-only' : 'up';
    const { position, running } = this.projection.status();
    const stores = eventStore === 'up' && readStore === 'up';
    const status = !stores ? 'unavailable' : redis === 'down' ? 'degraded' : 'ok';
    if (!stores) response.status(HttpStatus.SERVICE_UNAVAILABLE);
    return {
      status,
      eventStore,
      readStore,
      ...(redis ? { redis } : {}),
      projector: { running, position: position === null ? null : String(position) },
    };
  }

  @Get('metrics')
  @Header('content-type', 'text/plain; version=0.0.4')
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
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
