import AsyncLock from 'async-lock';
import {
  type ConversationState,
  type MessageSent,
  type ReceiptCommand,
  type ReceiptEvent,
  type ReceiptState,
  type RegisterMessage,
  type UserEvent,
  type UserSettings,
  ReceiptError,
  conversationStream,
  decideReadReceipts,
  decideReceipt,
  decideRegistration,
  decodeEvent,
  defaultUserSettings,
  emptyConversation,
  approximateBytes,
  findMessage,
  evolveUserSettings,
  foldConversation,
  foldReceipts,
  initialReceiptState,
  receiptsStream,
  userStream,
} from '@receipts/domain';
import { type EventStore, WrongExpectedRevisionError } from '@receipts/event-store';
import { type Causation, toEventToAppend } from './event-ids';
import type { ReceiptMetrics } from './receipt-metrics';
import { type Folded, StreamStateCache } from './stream-state-cache';
import type { WriteHealth } from './write-health';

export type CommandOutcome = Readonly<{ applied: number; duplicates: number }>;

type Decision<State, Event> = (state: State) => Event[];

const MAX_ATTEMPTS = 5;

/** Memory the write side's state caches may hold, estimated from their contents. */
const CONVERSATION_CACHE_BYTES = 64 * 2 ** 20;
const RECEIPT_CACHE_BYTES = 32 * 2 ** 20;
/** A recipient's cursor, plus a set entry for each delivery above it. */
const receiptStateBytes = (state: ReceiptState): number => 120 + state.deliveredAbove.size * 24;

/**
 * The write side: load state, decide, append with the expected revision, retry on a conflict.
 * The promise resolves only once the events are durably in the store.
 */
export class ReceiptCommandService {
  private readonly conversations: StreamStateCache<ConversationState, MessageSent>;
  private readonly receipts: StreamStateCache<ReceiptState, ReceiptEvent>;
  private readonly users: StreamStateCache<UserSettings, UserEvent>;
  /** Commands on one stream run one after another in this process, however many are waiting. */
  private readonly streams = new AsyncLock({ maxPending: Infinity });

  constructor(
    private readonly store: EventStore,
    private readonly metrics: ReceiptMetrics,
    private readonly writeHealth: WriteHealth | null = null,
    private readonly clock: () => Date = () => new Date(),
    cacheStreams = 50_000,
  ) {
    const decodeAs =
      <E>(...types: string[]) =>
      (type: string, version: number, data: unknown): E => {
        if (!types.includes(type)) throw new Error(`Unexpected event '${type}' in stream`);
        return decodeEvent(type, version, data) as E;
      };
    this.conversations = new StreamStateCache(
      store,
      emptyConversation,
      foldConversation,
      decodeAs<MessageSent>('message_sent'),
      { streams: cacheStreams, weight: CONVERSATION_CACHE_BYTES, weigh: approximateBytes },
    );
    this.receipts = new StreamStateCache(
      store,
      initialReceiptState,
      foldReceipts,
      decodeAs<ReceiptEvent>('message_delivered', 'conversation_read'),
      { streams: cacheStreams, weight: RECEIPT_CACHE_BYTES, weigh: receiptStateBytes },
    );
    this.users = new StreamStateCache(
      store,
      defaultUserSettings,
      (state, events: readonly UserEvent[]) => events.reduce(evolveUserSettings, state),
      decodeAs<UserEvent>('read_receipts_changed'),
      { streams: cacheStreams, weight: cacheStreams, weigh: () => 1 },
    );
  }

  async registerMessage(command: RegisterMessage, causation: Causation): Promise<CommandOutcome> {
    const { conversationId, senderId, sequence } = command.data;
    const outcome = await this.execute(
      this.conversations,
      conversationStream(conversationId),
      (conversation) => decideRegistration(command, conversation),
      causation,
    );
    // Sending a message reads everything before it; done after a duplicate registration too,
    // so a retry completes what a crash between the two appends left undone.
    await this.acknowledge(
      {
        type: 'MarkConversationRead',
        data: { conversationId, userId: senderId, deviceId: null, upToSequence: sequence },
        metadata: command.metadata,
      },
      { correlationId: causation.correlationId, deviceId: null },
    );
    return { applied: outcome.applied, duplicates: outcome.duplicates };
  }

  /**
   * Decides on the conversation as this process last knew it, without reading the log. What
   * another node registered since can only make an ACK by ids or a read look premature
   * (NOT_YET_REGISTERED): only then is the conversation's tail read, and the ACK decided again.
   * A cumulative delivery reads the tail first: it would silently skip a message registered out
   * of order on another node.
   */
  async acknowledge(command: ReceiptCommand, causation: Causation): Promise<CommandOutcome> {
    const stream = conversationStream(command.data.conversationId);
    const known = await (
      command.type === 'AcknowledgeDeliveryUpTo'
        ? this.conversations.load(stream)
        : this.conversations.loadForAppend(stream)
    ).catch((error: unknown) => {
      throw storeUnavailable(error);
    });
    try {
      return await this.acknowledgeIn(known.state, command, causation);
    } catch (error) {
      if (!(error instanceof ReceiptError) || error.code !== 'NOT_YET_REGISTERED') throw error;
      const latest = await this.conversations.load(stream).catch((cause: unknown) => {
        throw storeUnavailable(cause);
      });
      if (latest.revision === known.revision) throw error;
      return this.acknowledgeIn(latest.state, command, causation);
    }
  }

  private async acknowledgeIn(
    conversation: ConversationState,
    command: ReceiptCommand,
    causation: Causation,
  ): Promise<CommandOutcome> {
    const { conversationId, userId } = command.data;
    const settings =
      command.type === 'MarkConversationRead'
        ? (await this.users.load(userStream(userId))).state
        : defaultUserSettings();
    let regression = false;
    const outcome = await this.execute(
      this.receipts,
      receiptsStream(conversationId, userId),
      (receipts) => {
        const events = decideReceipt(command, {
          conversation,
          receipts,
          readReceiptsEnabled: settings.readReceiptsEnabled,
        });
        regression =
          command.type === 'MarkConversationRead' && command.data.upToSequence < receipts.readUpTo;
        return events;
      },
      causation,
    );
    // Clients count receipts, not events: a delivered event covers every message it lists.
    const applied = outcome.events.reduce(
      (sum, event) => sum + (event.type === 'message_delivered' ? event.data.messages.length : 1),
      0,
    );
    const duplicates =
      command.type === 'AcknowledgeDelivery'
        ? new Set(command.data.messageIds).size - applied
        : outcome.duplicates;
    for (const event of outcome.events) {
      if (event.type !== 'message_delivered') continue;
      for (const { messageId } of event.data.messages) {
        const sentAt = findMessage(conversation, messageId)?.sentAt;
        if (sentAt)
          this.metrics.delayedReceiptAge.observe(secondsBetween(sentAt, event.data.deliveredAt));
      }
    }
    if (regression) this.metrics.cursorRegressions.inc();
    if (duplicates > 0) this.metrics.duplicateAcks.inc(duplicates);
    return { applied, duplicates };
  }

  async setReadReceipts(userId: string, enabled: boolean, now: string): Promise<CommandOutcome> {
    const { applied, duplicates } = await this.execute(
      this.users,
      userStream(userId),
      (settings) =>
        decideReadReceipts(
          { type: 'SetReadReceipts', data: { userId, enabled }, metadata: { now } },
          settings,
        ),
      {},
    );
    return { applied, duplicates };
  }

  now(): string {
    return this.clock().toISOString();
  }

  /**
   * Commands on one stream run one after another in this process, so conflicts come only from
   * other processes: those are retried with a short jittered backoff.
   */
  private execute<State, Event extends MessageSent | ReceiptEvent | UserEvent>(
    cache: StreamStateCache<State, Event>,
    stream: string,
    decide: Decision<State, Event>,
    causation: Causation,
  ): Promise<CommandOutcome & { events: readonly Event[] }> {
    return this.streams.acquire(stream, async () => {
      for (let attempt = 1; ; attempt++) {
        const folded: Folded<State> = await cache.loadForAppend(stream).catch((error: unknown) => {
          throw storeUnavailable(error);
        });
        const events = decide(folded.state);
        if (events.length === 0) return { applied: 0, duplicates: 1, events };
        try {
          const result = await this.store.appendToStream(
            stream,
            events.map((event) => toEventToAppend(event, causation)),
            folded.revision,
          );
          this.writeHealth?.appended();
          cache.advance(stream, folded, events, result.nextExpectedRevision);
          for (const event of events) this.metrics.eventsAppended.inc({ type: event.type });
          return { applied: events.length, duplicates: 0, events };
        } catch (error) {
          if (!(error instanceof WrongExpectedRevisionError)) {
            this.writeHealth?.appendFailed();
            throw storeUnavailable(error);
          }
          cache.forget(stream);
          this.metrics.concurrencyRetries.inc();
          if (attempt >= MAX_ATTEMPTS) {
            throw new ReceiptError('CONCURRENCY_CONFLICT', 'Too many concurrent changes, retry');
          }
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
        }
      }
    });
  }
}

const secondsBetween = (from: string, to: string): number =>
  Math.max(0, Date.parse(to) - Date.parse(from)) / 1000;

/** A store failure is the client's to retry: nothing was acknowledged, so nothing is lost. */
const storeUnavailable = (cause: unknown): ReceiptError => {
  if (cause instanceof ReceiptError) return cause;
  const error = new ReceiptError('STORE_UNAVAILABLE', 'The event store is not available, retry');
  error.cause = cause;
  return error;
};
