import { Controller, Get, Header, HttpStatus, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { ReceiptMetrics } from '@receipts/application';
import { Readiness } from './readiness';

/**
 * Liveness, readiness with each dependency's state, and Prometheus metrics, all open: for a
 * port that only operators reach (the projector's PROJECTOR_PORT). The API serves these
 * behind a credential or on its own ops port instead (apps/api/src/ops.controller.ts).
 */
@ApiExcludeController()
@Controller()
export class HealthController {
  constructor(
    private readonly readiness: Readiness,
    private readonly metrics: ReceiptMetrics,
  ) {}

  @Get('health/live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('health/ready')
  async ready(@Res({ passthrough: true }) response: Response): Promise<Record<string, unknown>> {
    const report = await this.readiness.check();
    if (!report.ready) response.status(HttpStatus.SERVICE_UNAVAILABLE);
    return report.detail;
  }

  @Get('metrics')
  @Header('content-type', 'text/plain; version=0.0.4')
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
