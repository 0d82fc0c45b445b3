import { v4 as uuidv4 } from 'uuid';
import type { EventStore } from '@receipts/event-store';

/** Where readiness writes to learn whether the store takes writes again; never projected. */
export const WRITE_PROBE_STREAM = 'health-write-probe';

export type WriteState = 'up' | 'down';

/**
 * Whether the event store takes writes, as the last append found it. Reads can succeed while
 * every append fails (a full disk), so readiness asks this too; while the last append failed it
 * writes a probe event, so a node nobody sends to any more still sees the store come back.
 */
export class WriteHealth {
  private failing = false;

  constructor(private readonly store: EventStore) {}

  appended(): void {
    this.failing = false;
  }

  appendFailed(): void {
    this.failing = true;
  }

  async check(now: Date = new Date()): Promise<WriteState> {
    if (!this.failing) return 'up';
    try {
      await this.store.appendToStream(
        WRITE_PROBE_STREAM,
        [
          {
            id: uuidv4(),
            type: 'write_probe',
            data: { at: now.toISOString() },
            metadata: { schemaVersion: 1 },
          },
        ],
        'any',
      );
      this.failing = false;
      return 'up';
    } catch {
      return 'down';
    }
  }
}
