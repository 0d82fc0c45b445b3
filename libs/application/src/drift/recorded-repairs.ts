import type { ReadModelAudit } from '@receipts/read-store';
import type { ReceiptMetrics } from '../receipt-metrics';
import { repairedByModel } from './projection-audit';

/**
 * Brings repairs recorded in the read-model store (by the CLI, another process) into this
 * process's `receipts_projection_drift_repaired_total`: each sync adds what was recorded since.
 */
export class RecordedRepairs {
  private readonly counted = new Map<string, number>();

  constructor(
    private readonly metrics: ReceiptMetrics,
    private readonly store: ReadModelAudit,
  ) {}

  async sync(): Promise<void> {
    for (const [model, total] of repairedByModel(await this.store.driftRepairs())) {
      const added = total - (this.counted.get(model) ?? 0);
      if (added > 0) this.metrics.driftRepaired.inc({ model }, added);
      this.counted.set(model, total);
    }
  }
}
