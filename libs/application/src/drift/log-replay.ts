import { decodeEvent, isDomainEventType } from '@receipts/domain';
import type { EventStore, GlobalPosition, RecordedEvent } from '@receipts/event-store';
import { PROJECTED_EVENT_TYPES, type ReadModelChange, projectEvent } from '@receipts/read-models';
import { MemoryReadStore } from '@receipts/read-store';

export type ReplayProgress = Readonly<{
  position: GlobalPosition;
  target: GlobalPosition;
  events: number;
}>;

/**
 * The read models as the log says they should be: the projection applied, batch by batch, to an
 * in-memory store, up to exactly a given position and no further. It can be moved forward later
 * (a checkpoint that moved while a verify ran) without replaying from the start.
 */
export class LogReplay {
  readonly store = new MemoryReadStore();
  private position: GlobalPosition = 0n;
  private replayed = 0;

  constructor(
    private readonly events: EventStore,
    private readonly projection: string,
    private readonly batchSize = 5_000,
  ) {}

  get at(): GlobalPosition {
    return this.position;
  }

  get eventsReplayed(): number {
    return this.replayed;
  }

  /** Applies the log from where the replay stands up to `target` (inclusive). */
  async catchUp(
    target: GlobalPosition,
    onProgress: (progress: ReplayProgress) => void = () => undefined,
  ): Promise<void> {
    if (target < this.position) {
      throw new Error(
        `the replay stands at ${this.position}, past the checkpoint ${target}: start again`,
      );
    }
    while (this.position < target) {
      const read = await this.events.readAll({ after: this.position, maxCount: this.batchSize });
      const batch = read.filter((event) => event.position <= target);
      const last = batch.at(-1);
      if (!last) {
        throw new Error(`the log ends at ${this.position}, before the checkpoint ${target}`);
      }
      await this.store.apply(this.projection, batch.flatMap(changesOf), last.position);
      this.position = last.position;
      this.replayed += batch.length;
      onProgress({ position: this.position, target, events: this.replayed });
    }
  }
}

/** What the projection makes of one recorded event; an event it cannot decode stops the replay. */
const changesOf = (event: RecordedEvent): ReadModelChange[] => {
  if (!isDomainEventType(event.type) || !PROJECTED_EVENT_TYPES.has(event.type)) return [];
  try {
    return projectEvent(decodeEvent(event.type, event.metadata.schemaVersion, event.data));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `event at position ${event.position} (${event.type}) cannot be replayed: ${reason}`,
    );
  }
};
