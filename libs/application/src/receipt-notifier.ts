import type { ConversationRead, DomainEvent, MessageDelivered } from '@receipts/domain';
import type { MessageSummaryPayload } from '@receipts/contracts';
import type { MessageDocument } from '@receipts/read-models';
import type { ReadStore } from '@receipts/read-store';
import type { PushChannel } from '@receipts/realtime';
import type { ReceiptMetrics } from './receipt-metrics';
import type { ReceiptQueryService } from './receipt-queries.service';

/** Most messages one `read` update lists; a client that needs more asks the REST API. */
const MAX_MESSAGES_PER_READ_UPDATE = 200;

/**
 * Turns a committed batch of events into pushes: to the sender when a recipient's state
 * changes, and to the reader's other devices when they read. Runs after the read models
 * are committed, so the counts it sends are the ones a REST query would answer.
 */
export class ReceiptNotifier {
  constructor(
    private readonly readStore: ReadStore,
    private readonly queries: ReceiptQueryService,
    private readonly push: PushChannel,
    private readonly metrics: ReceiptMetrics,
  ) {}

  async notify(events: readonly DomainEvent[]): Promise<void> {
    const batch = new BatchLookups(this.readStore, this.queries);
    for (const event of events) {
      if (event.type === 'message_delivered') await this.delivered(event, batch);
      else if (event.type === 'conversation_read') await this.read(event, batch);
    }
    this.push.flush();
  }

  private async delivered({ data }: MessageDelivered, batch: BatchLookups): Promise<void> {
    for (const { messageId } of data.messages) {
      const message = await batch.message(data.conversationId, messageId);
      if (message) await this.pushDelivered(message, data.userId, data.deliveredAt, batch);
    }
  }

  private async pushDelivered(
    message: MessageDocument,
    recipientId: string,
    deliveredAt: string,
    batch: BatchLookups,
  ): Promise<void> {
    const summary = message.recipientCount > 1 ? await batch.summary(message) : undefined;
    this.push.push(
      { userId: message.senderId },
      {
        type: 'delivered',
        conversationId: message.conversationId,
        messageId: message.messageId,
        sequence: message.sequence,
        recipientId,
        deliveredAt,
        ...(summary ? { summary } : {}),
      },
    );
    this.metrics.pushes.inc({ type: 'delivered' });
  }

  private async read({ data }: ConversationRead, batch: BatchLookups): Promise<void> {
    const [cursor, totalUnread] = await Promise.all([
      this.readStore.findCursor(data.userId, data.conversationId),
      this.readStore.totalUnread(data.userId),
    ]);
    this.push.push(
      { userId: data.userId, exceptDeviceId: data.deviceId },
      {
        type: 'read_sync',
        conversationId: data.conversationId,
        readUpToSequence: cursor?.readUpTo ?? data.readUpToSequence,
        unread: cursor?.unread ?? 0,
        totalUnread,
      },
    );
    this.metrics.pushes.inc({ type: 'read_sync' });
    if (data.receiptsShared) {
      await this.readToSenders(data, batch);
    } else {
      this.metrics.privacyFiltered.inc();
      await this.hiddenReadAsDelivery(data, batch);
    }
  }

  /**
   * A shared read tells each sender about every message of theirs addressed to the reader that
   * they had not been shown read: those above the shared cursor, including any read while hidden
   * (their read time is this one's), so the push says what REST says.
   */
  private async readToSenders(data: ConversationRead['data'], batch: BatchLookups): Promise<void> {
    const covered = await this.readStore.messagesTo(
      data.conversationId,
      data.userId,
      data.previousSharedReadUpToSequence,
      data.readUpToSequence,
      MAX_MESSAGES_PER_READ_UPDATE,
    );
    const bySender = new Map<string, MessageDocument[]>();
    for (const message of covered) {
      bySender.set(message.senderId, [...(bySender.get(message.senderId) ?? []), message]);
    }
    for (const [senderId, own] of bySender) {
      const messages = await Promise.all(
        own.map(async (m) => ({
          messageId: m.messageId,
          sequence: m.sequence,
          ...(m.recipientCount > 1 ? { summary: await batch.summary(m) } : {}),
        })),
      );
      this.push.push(
        { userId: senderId },
        {
          type: 'read',
          conversationId: data.conversationId,
          readerId: data.userId,
          readUpToSequence: data.readUpToSequence,
          readAt: data.readAt,
          messages,
        },
      );
      this.metrics.pushes.inc({ type: 'read' }, messages.length);
    }
  }

  /**
   * A read the reader did not share shows to senders as the delivery it implies, at its time:
   * exactly what a device that received the messages would have told them, and nothing more.
   */
  private async hiddenReadAsDelivery(
    data: ConversationRead['data'],
    batch: BatchLookups,
  ): Promise<void> {
    const covered = await this.readStore.messagesTo(
      data.conversationId,
      data.userId,
      data.previousReadUpToSequence,
      data.readUpToSequence,
      MAX_MESSAGES_PER_READ_UPDATE,
    );
    for (const message of covered) {
      if (message.deliveredAt === null) {
        await this.pushDelivered(message, data.userId, data.readAt, batch);
      }
    }
  }
}

/**
 * Lookups shared by one batch's pushes: a message delivered to 50 members in one batch is
 * looked up once and summarised once (the summary after the whole batch), not 50 times.
 */
class BatchLookups {
  private readonly messages = new Map<string, Promise<MessageDocument | null>>();
  private readonly summaries = new Map<string, Promise<MessageSummaryPayload>>();

  constructor(
    private readonly readStore: ReadStore,
    private readonly queries: ReceiptQueryService,
  ) {}

  message(conversationId: string, messageId: string): Promise<MessageDocument | null> {
    return memo(this.messages, `${conversationId}\u0000${messageId}`, () =>
      this.readStore.findMessage(conversationId, messageId),
    );
  }

  summary(message: MessageDocument): Promise<MessageSummaryPayload> {
    return memo(this.summaries, `${message.conversationId}\u0000${message.messageId}`, () =>
      this.queries.summaryOf(message),
    );
  }
}

const memo = <T>(
  cache: Map<string, Promise<T>>,
  key: string,
  load: () => Promise<T>,
): Promise<T> => {
  let found = cache.get(key);
  if (!found) cache.set(key, (found = load()));
  return found;
};
