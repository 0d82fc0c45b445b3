import type { CommittedBatch } from './projection-runner';
import type { ReceiptMetrics } from './receipt-metrics';
import type { ReceiptNotifier } from './receipt-notifier';
import type { ReceiptQueryService } from './receipt-queries.service';

/**
 * What follows each committed batch, in the process that serves clients: the projection's
 * metrics, then dropping the cached answers the batch made stale, then the pushes. Invalidation
 * is best effort: a failure is reported and the pushes go out (the cache's TTL bounds what it
 * leaves stale).
 */
export class ProjectionEffects {
  constructor(
    private readonly metrics: ReceiptMetrics,
    private readonly queries: ReceiptQueryService | null,
    private readonly notifier: ReceiptNotifier | null,
    private readonly onInvalidationError: (error: unknown) => void,
  ) {}

  async committed({ events, recordedAt, deltas, feed }: CommittedBatch): Promise<void> {
    this.metrics.projectedEvents.inc(events);
    const now = Date.now();
    for (const at of recordedAt) this.metrics.projectionLag.observe((now - at) / 1000);
    if (deltas.length === 0) return;
    await this.queries?.invalidate(deltas).catch(this.onInvalidationError);
    await this.notifier?.notify(deltas, feed);
  }
}
