import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { ReceiptMetrics, RecordedRepairs } from '@receipts/application';
import { READ_STORE, type ReadStore } from '@receipts/read-store';

const SYNC_EVERY_MS = 15_000;

/**
 * Repairs are made by the CLI, in another process, and recorded in the read-model store: this
 * brings them into the process's receipts_projection_drift_repaired_total, at start and then
 * every 15 s (within one Prometheus scrape interval or so).
 */
@Injectable()
export class RecordedRepairsSync implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly repairs: RecordedRepairs;
  private timer: NodeJS.Timeout | undefined;
  private readonly logger = new Logger('DriftRepairs');

  constructor(metrics: ReceiptMetrics, @Inject(READ_STORE) reads: ReadStore) {
    this.repairs = new RecordedRepairs(metrics, reads);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.sync();
    this.timer = setInterval(() => void this.sync(), SYNC_EVERY_MS).unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  private async sync(): Promise<void> {
    try {
      await this.repairs.sync();
    } catch (error) {
      this.logger.warn(`recorded repairs not read: ${String(error)}`);
    }
  }
}
