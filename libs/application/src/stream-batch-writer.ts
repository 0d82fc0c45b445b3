import { type DomainEvent, ReceiptError } from '@receipts/domain';
import {
  type EventStore,
  type EventToAppend,
  type ExpectedRevision,
  WrongExpectedRevisionError,
} from '@receipts/event-store';
import {
  type DecidedBatch,
  type Decision,
  type PendingCommand,
  decideInOrder,
} from './decide-in-order';
import type { Causation } from './event-ids';
import { KeyedBatches } from './keyed-batches';
import type { ReceiptMetrics } from './receipt-metrics';
import { storeUnavailable } from './store-unavailable';
import type { StreamStateCache } from './stream-state-cache';
import type { WriteHealth } from './write-health';

export type Written<Event> = Readonly<{
  applied: number;
  duplicates: number;
  events: readonly Event[];
}>;

const MAX_ATTEMPTS = 5;

/**
 * The write side's unit of work is a batch: the commands for one stream that arrive in one
 * event-loop turn, or while the stream's previous batch is being written, are decided together
 * on the cached state, in arrival order, and appended in one call with the cached revision. Each
 * command is answered with its own outcome once that append is durable.
 */
export class StreamBatchWriter<State, Event extends DomainEvent> {
  private readonly batches: KeyedBatches<PendingCommand<State, Event>, Written<Event>>;

  constructor(
    private readonly store: EventStore,
    private readonly cache: StreamStateCache<State, Event>,
    private readonly metrics: ReceiptMetrics,
    private readonly writeHealth: WriteHealth | null,
  ) {
    this.batches = new KeyedBatches((stream, commands) => this.write(stream, commands));
  }

  execute(
    stream: string,
    decide: Decision<State, Event>,
    causation: Causation,
  ): Promise<Written<Event>> {
    return this.batches.add(stream, { decide, causation });
  }

  private async write(
    stream: string,
    commands: ReadonlyArray<PendingCommand<State, Event>>,
  ): Promise<Array<PromiseSettledResult<Written<Event>>>> {
    const batch = await this.appendDecided(stream, commands);
    const written = batch.decided.map(toWritten);
    const rest = commands.slice(batch.decided.length);
    return rest.length === 0 ? written : [...written, ...(await this.write(stream, rest))];
  }

  /**
   * This process writes a stream's batches one after another, so conflicts come only from other
   * processes: the whole batch is decided again on the stream as it now is.
   */
  private async appendDecided(
    stream: string,
    commands: ReadonlyArray<PendingCommand<State, Event>>,
  ): Promise<DecidedBatch<Event>> {
    for (let attempt = 1; ; attempt++) {
      const folded = await this.cache.loadForAppend(stream).catch((error: unknown) => {
        throw storeUnavailable(error);
      });
      const batch = decideInOrder(folded.state, commands, this.cache.fold);
      if (batch.events.length === 0) return batch;
      const revision = await this.append(stream, batch.toAppend, folded.revision);
      if (revision !== null) {
        this.cache.advance(stream, folded, batch.events, revision);
        for (const event of batch.events) this.metrics.eventsAppended.inc({ type: event.type });
        return batch;
      }
      this.metrics.concurrencyRetries.inc();
      if (attempt >= MAX_ATTEMPTS) {
        throw new ReceiptError('CONCURRENCY_CONFLICT', 'Too many concurrent changes, retry');
      }
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
    }
  }

  /** The stream's new revision, or null when another writer moved the stream first. */
  private async append(
    stream: string,
    events: readonly EventToAppend[],
    expected: ExpectedRevision,
  ): Promise<bigint | null> {
    try {
      const result = await this.store.appendToStream(stream, events, expected);
      this.writeHealth?.appended();
      return result.nextExpectedRevision;
    } catch (error) {
      // After a conflict the cached state is stale; after a failure the append may have
      // committed all the same (a lost answer), so the next batch reads the stream's tail.
      this.cache.forget(stream);
      if (error instanceof WrongExpectedRevisionError) return null;
      this.writeHealth?.appendFailed();
      throw storeUnavailable(error);
    }
  }
}

const toWritten = <Event>(
  decided: PromiseSettledResult<readonly Event[]>,
): PromiseSettledResult<Written<Event>> => {
  if (decided.status === 'rejected') return decided;
  const events = decided.value;
  return {
    status: 'fulfilled',
    value: { applied: events.length, duplicates: events.length === 0 ? 1 : 0, events },
  };
};
