import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The signals operators watch (DESIGN.md, "Signals operators need"). */
export class ReceiptMetrics {
  readonly registry = new Registry();
  private countParked: (() => Promise<number>) | null = null;
  readonly eventsAppended = new Counter({
    name: 'receipts_events_appended_total',
    help: 'Events durably appended, by type',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });
  readonly duplicateAcks = new Counter({
    name: 'receipts_duplicate_acks_total',
    help: 'ACKs, or items of batched ACKs, that changed nothing because they were already applied',
    registers: [this.registry],
  });
  readonly cursorRegressions = new Counter({
    name: 'receipts_read_cursor_regressions_rejected_total',
    help: 'Read ACKs behind the recorded cursor, answered with success and ignored',
    registers: [this.registry],
  });
  readonly concurrencyRetries = new Counter({
    name: 'receipts_append_conflict_retries_total',
    help: 'Appends retried after an expected-revision conflict',
    registers: [this.registry],
  });
  readonly projectedEvents = new Counter({
    name: 'receipts_projected_events_total',
    help: 'Events applied to the read models',
    registers: [this.registry],
  });
  readonly projectionLag = new Histogram({
    name: 'receipts_projection_lag_seconds',
    help: 'Time from an event being recorded to its batch being committed to the read models',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly delayedReceiptAge = new Histogram({
    name: 'receipts_delivered_age_seconds',
    help: 'Time from a message being sent to a recipient device acknowledging it',
    buckets: [0.1, 0.5, 1, 5, 30, 60, 300, 3600, 86400],
    registers: [this.registry],
  });
  readonly pushes = new Counter({
    name: 'receipts_push_updates_total',
    help: 'Receipt updates pushed to devices, by kind (group fan-out included)',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });
  readonly privacyFiltered = new Counter({
    name: 'receipts_privacy_filtered_total',
    help: 'Reads not shown to senders because the reader turned read receipts off',
    registers: [this.registry],
  });
  readonly cacheLookups = new Counter({
    name: 'receipts_cache_lookups_total',
    help: 'Summary and unread cache lookups, by result (hit, miss, error: answered from the store)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly parkedEvents = new Gauge({
    name: 'receipts_projection_parked_events',
    help: 'Events the projection could not apply, set aside until retried',
    registers: [this.registry],
    // Read from the store at each scrape: events are parked by whichever process projects.
    collect: async () => {
      if (this.countParked) this.parkedEvents.set(await this.countParked());
    },
  });
  readonly driftRepaired = new Counter({
    name: 'receipts_projection_drift_repaired_total',
    help: 'Read-model documents found drifted and repaired, by model',
    labelNames: ['model'] as const,
    registers: [this.registry],
  });

  /** Where `receipts_projection_parked_events` is counted from at each scrape. */
  countParkedWith(count: () => Promise<number>): void {
    this.countParked = count;
  }

  /**
   * Adds the process's own signals (RSS, heap spaces, event-loop delay, GC pauses). Called once by
   * a process's entry point, never by tests: the collectors stay installed for the process's life.
   */
  collectProcessMetrics(): void {
    collectDefaultMetrics({ register: this.registry });
  }
}
