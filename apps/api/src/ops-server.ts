import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ReceiptMetrics } from '@receipts/application';
import { RECEIPTS_CONFIG, Readiness, type ReceiptsConfig } from '@receipts/infrastructure';

/**
 * With RECEIPTS_OPS_PORT set: /health/live, /health/ready (with detail) and /metrics, without
 * a credential, on a port of their own (on HOST) that only the monitoring network should reach.
 */
@Injectable()
export class OpsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private server: Server | null = null;

  constructor(
    private readonly readiness: Readiness,
    private readonly metrics: ReceiptMetrics,
    @Inject(RECEIPTS_CONFIG) private readonly config: ReceiptsConfig,
  ) {}

  /** Where it listens, once started; null without RECEIPTS_OPS_PORT. */
  get url(): string | null {
    const address = this.server?.address() as AddressInfo | null | undefined;
    return address ? `http://${this.config.HOST}:${address.port}` : null;
  }

  async onApplicationBootstrap(): Promise<void> {
    const port = this.config.RECEIPTS_OPS_PORT;
    if (port === undefined) return;
    const server = createServer((request, response) => void this.serve(request, response));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.config.HOST, resolve);
    });
    this.server = server;
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }

  private async serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '').split('?')[0];
    const send = (status: number, type: string, body: string): void => {
      response.writeHead(status, { 'content-type': type }).end(body);
    };
    try {
      if (request.method !== 'GET') return send(405, 'text/plain', 'GET only');
      if (path === '/health/live') return send(200, 'application/json', '{"status":"ok"}');
      if (path === '/metrics') {
        return send(200, 'text/plain; version=0.0.4', await this.metrics.registry.metrics());
      }
      if (path === '/health/ready') {
        const report = await this.readiness.check();
        return send(report.ready ? 200 : 503, 'application/json', JSON.stringify(report.detail));
      }
      return send(404, 'text/plain', 'Not found');
    } catch {
      return send(500, 'text/plain', 'Internal error');
    }
  }
}
