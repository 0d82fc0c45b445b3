import { setTimeout as pause } from 'node:timers/promises';
import {
  ANY,
  type AllStreamRecordedEvent,
  type AllStreamResolvedEvent,
  BACKWARDS,
  END,
  type AppendExpectedRevision,
  EventStoreDBClient,
  type EventData,
  type JSONType,
  NO_STREAM,
  type Position,
  type ReadPosition,
  type RecordedEvent as EsdbRecordedEvent,
  START,
  StreamNotFoundError,
  WrongExpectedVersionError,
  excludeSystemEvents,
  jsonEvent,
} from '@eventstore/db-client';
import {
  type AppendResult,
  type EventMetadata,
  type EventStore,
  type EventToAppend,
  type ExpectedRevision,
  type GlobalPosition,
  type ReadAllOptions,
  type RecordedEvent,
  type SubscribeOptions,
  WrongExpectedRevisionError,
} from './event-store';

export type EsdbEventStoreOptions = Readonly<{
  /** First pause before resubscribing after a dropped subscription; doubles up to `maxBackoffMs`. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Told about every drop before the pause, for logs and metrics. */
  onResubscribe?: (error: unknown, attempt: number, delayMs: number) => void;
}>;

/** Events read per page when looking backwards for the log's head past system events. */
const HEAD_PAGE = 32;

/** What older servers put where a stream read has no $all position (uint64 max). */
const NO_POSITION = 2n ** 64n - 1n;

/**
 * EventStoreDB behind the EventStore port. A GlobalPosition is an event's commit position.
 *
 * Resuming builds `{ commit: p, prepare: p }`. That is exact for EventStoreDB 20+: every event
 * appended over gRPC is its own committed prepare record, so its commit and prepare positions are
 * the same log position (the server reports C:2650/P:2650, C:2746/P:2746... for each event of one
 * multi-event append: EventStore-Client-Dotnet#20, fixed for gRPC reads by KurrentDB#2522). Only
 * events written in an explicit transaction, a legacy TCP-API feature never used here, can have
 * commit != prepare.
 */
export class EsdbEventStore implements EventStore {
  private readonly client: EventStoreDBClient;
  private readonly closing = new AbortController();

  constructor(
    connectionString: string,
    private readonly options: EsdbEventStoreOptions = {},
  ) {
    this.client = EventStoreDBClient.connectionString(connectionString);
  }

  async appendToStream(
    stream: string,
    events: readonly EventToAppend[],
    expected: ExpectedRevision,
  ): Promise<AppendResult> {
    if (events.length === 0) throw new Error('Nothing to append');
    // Serialized here so that unstorable data (a bigint) fails this append alone, synchronously.
    const proposed = events.map(toEventData);
    try {
      const result = await this.client.appendToStream(stream, proposed, {
        expectedRevision: toEsdbRevision(expected),
      });
      if (result.position) {
        return {
          nextExpectedRevision: result.nextExpectedRevision,
          position: result.position.commit,
        };
      }
      // An idempotent retry is answered without a position: take it from the events themselves.
      const last =
        expected === 'any' ? result.nextExpectedRevision : lastRevision(expected, events);
      const [event] = await this.read(stream, last, 1);
      if (event?.revision !== last) throw new Error(`Append to ${stream} left no event at ${last}`);
      return { nextExpectedRevision: last, position: event.position };
    } catch (error) {
      if (!(error instanceof WrongExpectedVersionError)) throw error;
      const earlier = await this.earlierAppend(stream, events, expected);
      if (earlier) return earlier;
      throw new WrongExpectedRevisionError(stream, expected, error.actualVersion);
    }
  }

  /**
   * The server answers a retry at the same expected revision itself (deterministic event ids);
   * this covers the case where its duplicate check has forgotten the ids: the same ids, in order,
   * at the place the append expected.
   */
  private async earlierAppend(
    stream: string,
    events: readonly EventToAppend[],
    expected: ExpectedRevision,
  ): Promise<AppendResult | null> {
    if (expected === 'any') return null;
    const from = expected === 'no_stream' ? 0n : expected + 1n;
    const found = await this.read(stream, from, events.length);
    const same = found.length === events.length && found.every((e, i) => e.id === events[i]?.id);
    const last = found.at(-1);
    return same && last ? { nextExpectedRevision: last.revision, position: last.position } : null;
  }

  readStream(stream: string, fromRevision = 0n): Promise<RecordedEvent[]> {
    return this.read(stream, fromRevision, Number.MAX_SAFE_INTEGER);
  }

  private async read(
    stream: string,
    fromRevision: bigint,
    maxCount: number,
  ): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    try {
      for await (const resolved of this.client.readStream(stream, { fromRevision, maxCount })) {
        if (resolved.event) events.push(fromStreamRead(resolved.event));
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
    return events;
  }

  /**
   * Reads $all in pages: a read from a position includes the event at that position, and system
   * events ($-prefixed types or streams) are dropped here, so a page may hold fewer of ours.
   */
  async readAll({ after, maxCount }: ReadAllOptions): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    let floor = after ?? -1n;
    let from: ReadPosition = after === undefined ? START : atPosition(after);
    while (events.length < maxCount) {
      const pageSize = maxCount - events.length + 1;
      let read = 0;
      for await (const resolved of this.client.readAll({
        fromPosition: from,
        maxCount: pageSize,
      })) {
        read += 1;
        const event = resolved.event;
        if (!event || event.position.commit <= floor) continue;
        floor = event.position.commit;
        if (!isSystemEvent(event)) events.push(fromAllRead(event));
      }
      if (read < pageSize) break;
      from = atPosition(floor);
    }
    return events.slice(0, Math.max(maxCount, 0));
  }

  /**
   * Reads $all backwards from its end, a page at a time, to the last event that is not a
   * system event (the server writes its own, such as statistics and scavenges, at any time).
   */
  async headPosition(): Promise<GlobalPosition | null> {
    let from: ReadPosition = END;
    for (;;) {
      let read = 0;
      let oldest: Position | null = null;
      const page: AsyncIterable<AllStreamResolvedEvent> = this.client.readAll({
        fromPosition: from,
        direction: BACKWARDS,
        maxCount: HEAD_PAGE,
      });
      for await (const resolved of page) {
        read += 1;
        const event = resolved.event;
        if (!event) continue;
        if (!isSystemEvent(event)) return event.position.commit;
        oldest = event.position;
      }
      // Whether the server repeats the event at `from` or not, each page moves back.
      if (read < HEAD_PAGE || oldest === null) return null;
      from = oldest;
    }
  }

  /**
   * A catch-up subscription to $all without system events. When the subscription drops (an
   * error, or the server ending it on restart) it resubscribes after the last batch handed over,
   * pausing with capped exponential backoff; a batch that had not been handed over is read again.
   */
  async *subscribeToAll({
    after,
    batchSize,
    signal,
  }: SubscribeOptions): AsyncIterable<RecordedEvent[]> {
    const stop = signal ? AbortSignal.any([signal, this.closing.signal]) : this.closing.signal;
    const { backoffMs = 100, maxBackoffMs = 5_000, onResubscribe } = this.options;
    let position = after;
    let attempt = 0;
    while (!stop.aborted) {
      let dropped: unknown = new Error('EventStoreDB ended the subscription');
      try {
        for await (const batch of this.follow(position, Math.max(1, batchSize), stop)) {
          attempt = 0;
          position = batch.at(-1)?.position ?? position;
          yield batch;
        }
      } catch (error) {
        dropped = error;
      }
      if (stop.aborted) return;
      attempt += 1;
      const delayMs = Math.min(backoffMs * 2 ** (attempt - 1), maxBackoffMs);
      onResubscribe?.(dropped, attempt, delayMs);
      await pause(delayMs, undefined, { signal: stop }).catch(() => undefined);
    }
  }

  /** One subscription's life: hands over what has arrived, up to batchSize, never waiting to fill. */
  private async *follow(
    after: GlobalPosition | undefined,
    batchSize: number,
    stop: AbortSignal,
  ): AsyncGenerator<RecordedEvent[]> {
    const subscription = this.client.subscribeToAll({
      fromPosition: after === undefined ? START : atPosition(after),
      filter: excludeSystemEvents(),
    });
    const onStop = (): void => {
      subscription.destroy();
    };
    stop.addEventListener('abort', onStop, { once: true });
    let last = after ?? -1n;
    let batch: RecordedEvent[] = [];
    try {
      for await (const resolved of subscription) {
        const event = resolved.event;
        if (event && event.position.commit > last && !isSystemEvent(event)) {
          last = event.position.commit;
          batch.push(fromAllRead(event));
        }
        if (batch.length >= batchSize || (batch.length > 0 && subscription.readableLength === 0)) {
          yield batch;
          batch = [];
        }
      }
    } finally {
      stop.removeEventListener('abort', onStop);
      // Nobody reads it any more: a late error from the call must not become an uncaught one.
      subscription.on('error', () => undefined);
      // Cancels the server side of the call; destroy() alone only detaches our end.
      void subscription.unsubscribe().catch(() => undefined);
      subscription.destroy();
    }
  }

  async close(): Promise<void> {
    if (this.closing.signal.aborted) return;
    this.closing.abort();
    await this.client.dispose();
  }
}

const toEsdbRevision = (expected: ExpectedRevision): AppendExpectedRevision =>
  expected === 'any' ? ANY : expected === 'no_stream' ? NO_STREAM : expected;

const lastRevision = (expected: 'no_stream' | bigint, events: readonly unknown[]): bigint =>
  (expected === 'no_stream' ? -1n : expected) + BigInt(events.length);

const atPosition = (position: GlobalPosition): Position => ({
  commit: position,
  prepare: position,
});

const isSystemEvent = (event: Pick<EsdbRecordedEvent, 'type' | 'streamId'>): boolean =>
  event.type.startsWith('$') || event.streamId.startsWith('$');

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  !(value instanceof Uint8Array);

const toEventData = (event: EventToAppend): EventData => {
  const { data } = event;
  if (!(isRecord(data) || Array.isArray(data) || typeof data === 'string')) {
    throw new TypeError(`Event ${event.id}: data must be a JSON object, array or string`);
  }
  const json: JSONType = data;
  // Throws (TypeError) for what JSON cannot hold, before anything reaches the driver.
  JSON.stringify([json, event.metadata]);
  return jsonEvent({ id: event.id, type: event.type, data: json, metadata: { ...event.metadata } });
};

/** Our metadata as written; events from other writers get schemaVersion 0 (unknown). */
const toMetadata = (raw: unknown): EventMetadata => {
  if (!isRecord(raw)) return { schemaVersion: 0 };
  const { schemaVersion, correlationId, causationId, deviceId } = raw;
  return {
    schemaVersion: typeof schemaVersion === 'number' ? schemaVersion : 0,
    ...(typeof correlationId === 'string' ? { correlationId } : {}),
    ...(typeof causationId === 'string' ? { causationId } : {}),
    ...(deviceId === undefined ? {} : { deviceId: typeof deviceId === 'string' ? deviceId : null }),
  };
};

const toRecorded = (event: EsdbRecordedEvent, position: GlobalPosition): RecordedEvent => ({
  id: event.id,
  stream: event.streamId,
  revision: event.revision,
  position,
  type: event.type,
  data: event.data,
  metadata: toMetadata(event.metadata),
  recordedAt: event.created,
});

const fromAllRead = (event: AllStreamRecordedEvent): RecordedEvent =>
  toRecorded(event, event.position.commit);

/** Stream reads carry the $all position only from EventStoreDB 22.6 on; older servers are refused. */
const fromStreamRead = (event: EsdbRecordedEvent): RecordedEvent => {
  const commit = event.position?.commit;
  if (commit === undefined || commit === NO_POSITION) {
    throw new Error(
      `EventStoreDB reported no log position for ${event.streamId}@${event.revision}: EsdbEventStore needs server 22.6 or later`,
    );
  }
  return toRecorded(event, commit);
};
