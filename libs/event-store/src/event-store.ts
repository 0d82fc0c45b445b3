/** Where every receipt becomes durable: the source of truth. */
export const EVENT_STORE = Symbol('EventStore');

/** Position in the global log: totally ordered, 64-bit. Never put a bigint into JSON; use `String()`. */
export type GlobalPosition = bigint;

/** `no_stream`: the stream must not exist; a bigint: the revision of the stream's last event. */
export type ExpectedRevision = 'any' | 'no_stream' | bigint;

export type EventToAppend = Readonly<{
  /**
   * Deterministic per logical fact, so that a retried append is recognised as the same one.
   * Only uniqueness within a stream is promised (EventStoreDB does not check ids across
   * streams); our ids embed the ids that name their stream, so they cannot collide across them.
   */
  id: string;
  type: string;
  data: unknown;
  metadata: EventMetadata;
}>;

export type EventMetadata = Readonly<{
  schemaVersion: number;
  correlationId?: string;
  causationId?: string;
  deviceId?: string | null;
}>;

export type RecordedEvent = Readonly<{
  id: string;
  stream: string;
  revision: bigint;
  position: GlobalPosition;
  type: string;
  data: unknown;
  metadata: EventMetadata;
  recordedAt: Date;
}>;

export type AppendResult = Readonly<{ nextExpectedRevision: bigint; position: GlobalPosition }>;

export type ReadAllOptions = Readonly<{ after?: GlobalPosition; maxCount: number }>;

export type SubscribeOptions = Readonly<{
  after?: GlobalPosition;
  /** Upper bound of events handed over at once. */
  batchSize: number;
  signal?: AbortSignal;
}>;

export interface EventStore {
  /**
   * Appends atomically, and durably before the promise resolves. Throws WrongExpectedRevisionError
   * when the stream is not at `expectedRevision`, unless every event id is already in the stream
   * at the same place, in which case the earlier result is returned (an idempotent retry).
   */
  appendToStream(
    stream: string,
    events: readonly EventToAppend[],
    expectedRevision: ExpectedRevision,
  ): Promise<AppendResult>;
  /** Events of one stream with revision >= fromRevision, in order; empty when there is none. */
  readStream(stream: string, fromRevision?: bigint): Promise<RecordedEvent[]>;
  /** Events of every stream after a global position, in log order. */
  readAll(options: ReadAllOptions): Promise<RecordedEvent[]>;
  /**
   * The position of the log's last event (ours, not the store's own system events), or null when
   * the log is empty: read directly, never by paging through the log.
   */
  headPosition(): Promise<GlobalPosition | null>;
  /** Catches up from `after`, then follows new events live, in batches, in log order, until aborted. */
  subscribeToAll(options: SubscribeOptions): AsyncIterable<RecordedEvent[]>;
  close(): Promise<void>;
}

export class WrongExpectedRevisionError extends Error {
  constructor(
    readonly stream: string,
    readonly expected: ExpectedRevision,
    readonly actual: bigint | 'no_stream',
  ) {
    super(`Stream ${stream} is at ${String(actual)}, expected ${String(expected)}`);
    this.name = 'WrongExpectedRevisionError';
  }
}
