import { Controller, Get, Header, HttpStatus, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ApiExcludeController } from '@nestjs/swagger';
import { ProjectionRunner, ReceiptMetrics } from '@receipts/application';
import { EVENT_STORE, type EventStore } from '@receipts/event-store';
import { READ_STORE, type ReadStore } from '@receipts/read-store';

/** Liveness, readiness with each dependency's state, and Prometheus metrics. */
@ApiExcludeController()
@Controller()
export class HealthController {
  constructor(
    @Inject(EVENT_STORE) private readonly events: EventStore,
    @Inject(READ_STORE) private readonly reads: ReadStore,
    private readonly projection: ProjectionRunner,
    private readonly metrics: ReceiptMetrics,
  ) {}

  @Get('health/live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('health/ready')
  async ready(@Res({ passthrough: true }) response: Response): Promise<Record<string, unknown>> {
    const [eventStore, readStore] = await Promise.all([
      probe(() => this.events.readAll({ maxCount: 1 })),
      probe(() => this.reads.totalUnread('health-probe')),
    ]);
    const { position, running } = this.projection.status();
    const body = {
      status: eventStore === 'up' && readStore === 'up' ? 'ok' : 'unavailable',
      eventStore,
      readStore,
      projector: { running, position: position === null ? null : String(position) },
    };
    if (body.status !== 'ok') response.status(HttpStatus.SERVICE_UNAVAILABLE);
    return body;
  }

  @Get('metrics')
  @Header('content-type', 'text/plain; version=0.0.4')
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}

const probe = async (check: () => Promise<unknown>): Promise<'up' | 'down'> => {
  try {
    await check();
    return 'up';
  } catch {
    return 'down';
  }
};
