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
import type { EventStore } from '@receipts/event-store';
import type { Causation } from './event-ids';
import type { ReceiptMetrics } from './receipt-metrics';
import { storeUnavailable } from './store-unavailable';
import { StreamBatchWriter } from './stream-batch-writer';
import { StreamStateCache } from './stream-state-cache';
import type { WriteHealth } from './write-health';

export type CommandOutcome = Readonly<{ applied: number; duplicates: number }>;

/** Memory the write side's state caches may hold, estimated from their contents. */
const CONVERSATION_CACHE_BYTES = 64 * 2 ** 20;
const RECEIPT_CACHE_BYTES = 32 * 2 ** 20;
/** A recipient's cursor, plus a set entry for each delivery above it. */
const receiptStateBytes = (state: ReceiptState): number => 120 + state.deliveredAbove.size * 24;

/**
 * The write side: commands for one stream are decided in batches on its cached state and
 * appended with the expected revision (StreamBatchWriter). Each promise resolves only once its
 * command's events are durably in the store.
 */
export class ReceiptCommandService {
  private readonly conversations: StreamStateCache<ConversationState, MessageSent>;
  private readonly receipts: StreamStateCache<ReceiptState, ReceiptEvent>;
  private readonly users: StreamStateCache<UserSettings, UserEvent>;
  private readonly conversationWriter: StreamBatchWriter<ConversationState, MessageSent>;
  private readonly receiptWriter: StreamBatchWriter<ReceiptState, ReceiptEvent>;
  private readonly userWriter: StreamBatchWriter<UserSettings, UserEvent>;

  constructor(
    store: EventStore,
    private readonly metrics: ReceiptMetrics,
    writeHealth: WriteHealth | null = null,
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
    this.conversationWriter = new StreamBatchWriter(
      store,
      this.conversations,
      metrics,
      writeHealth,
    );
    this.receiptWriter = new StreamBatchWriter(store, this.receipts, metrics, writeHealth);
    this.userWriter = new StreamBatchWriter(store, this.users, metrics, writeHealth);
  }

  async registerMessage(command: RegisterMessage, causation: Causation): Promise<CommandOutcome> {
    const { conversationId, senderId, sequence } = command.data;
    const outcome = await this.conversationWriter.execute(
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
    const outcome = await this.receiptWriter.execute(
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
    const { applied, duplicates } = await this.userWriter.execute(
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
}

const secondsBetween = (from: string, to: string): number =>
  Math.max(0, Date.parse(to) - Date.parse(from)) / 1000;
