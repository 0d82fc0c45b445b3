import { Controller, Get, Header, HttpStatus, Inject, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { ReceiptMetrics } from '@receipts/application';
import { ReceiptError } from '@receipts/domain';
import { RECEIPTS_CONFIG, Readiness, type ReceiptsConfig } from '@receipts/infrastructure';
import type { IdentifiedRequest } from './rest-limits';

/**
 * Health and metrics on the public port. Liveness and readiness's status are open (load
 * balancers probe them); the readiness detail and /metrics say what the service is doing, so
 * they need a service credential, or are served only on RECEIPTS_OPS_PORT when it is set
 * (ops-server.ts). The limits in front already resolved the caller.
 */
@ApiExcludeController()
@Controller()
export class OpsController {
  constructor(
    private readonly readiness: Readiness,
    private readonly metrics: ReceiptMetrics,
    @Inject(RECEIPTS_CONFIG) private readonly config: ReceiptsConfig,
  ) {}

  @Get('health/live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('health/ready')
  async ready(
    @Req() request: IdentifiedRequest,
    @Res({ passthrough: true }) response: Response,
  ): Promise<Record<string, unknown>> {
    const report = await this.readiness.check();
    if (!report.ready) response.status(HttpStatus.SERVICE_UNAVAILABLE);
    const operator = !this.opsPortOnly() && request.principal?.kind === 'service';
    return operator ? report.detail : { status: report.status };
  }

  @Get('metrics')
  @Header('content-type', 'text/plain; version=0.0.4')
  scrape(@Req() request: IdentifiedRequest): Promise<string> {
    if (this.opsPortOnly()) throw new ReceiptError('NOT_FOUND', 'No such route');
    if (request.identityError !== undefined) throw request.identityError;
    if (!request.principal)
      throw new ReceiptError('UNAUTHENTICATED', 'Metrics need a service credential');
    if (request.principal.kind !== 'service') {
      throw new ReceiptError('FORBIDDEN', 'Metrics are for services and operators');
    }
    return this.metrics.registry.metrics();
  }

  private opsPortOnly(): boolean {
    return this.config.RECEIPTS_OPS_PORT !== undefined;
  }
}
