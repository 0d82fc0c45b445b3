import type { MessageSummaryPayload } from '@receipts/contracts';
import type { MessageDocument, ReceiptDelta } from '@receipts/read-models';
import type { PushChannel } from '@receipts/realtime';
import type { ReceiptMetrics } from './receipt-metrics';
import type { ReceiptQueryService } from './receipt-queries.service';

type Delta<K extends ReceiptDelta['kind']> = Extract<ReceiptDelta, { kind: K }>;

/**
 * Turns a committed batch's deltas into pushes: to the sender when a recipient's state changes,
 * and to the reader's other devices when they read. Everything a push says comes from the
 * deltas, except group counts, which are the committed summary (what a REST query answers).
 */
export class ReceiptNotifier {
  constructor(
    private readonly queries: ReceiptQueryService,
    private readonly push: PushChannel,
    private readonly metrics: ReceiptMetrics,
  ) {}

  async notify(deltas: readonly ReceiptDelta[]): Promise<void> {
    const summaries = new BatchSummaries(this.queries);
    for (const delta of deltas) {
      switch (delta.kind) {
        case 'delivered':
          await this.delivered(delta, summaries);
          break;
        case 'read':
          await this.read(delta, summaries);
          break;
        case 'cursor_moved':
          this.readSync(delta);
          break;
        case 'message_registered':
          break;
        default: {
          const unexpected: never = delta;
          return unexpected;
        }
      }
    }
    this.push.flush();
  }

  private async delivered(delta: Delta<'delivered'>, summaries: BatchSummaries): Promise<void> {
    const { message } = delta;
    const summary = await summaries.of(message);
    this.push.push(
      { userId: message.senderId },
      {
        type: 'delivered',
        conversationId: message.conversationId,
        messageId: message.messageId,
        sequence: message.sequence,
        recipientId: delta.recipientId,
        deliveredAt: delta.deliveredAt,
        ...(summary ? { summary } : {}),
      },
    );
    this.metrics.pushes.inc({ type: 'delivered' });
  }

  /** One push per sender, listing their messages the read covers. */
  private async read(delta: Delta<'read'>, summaries: BatchSummaries): Promise<void> {
    const bySender = new Map<string, MessageDocument[]>();
    for (const message of delta.messages) {
      bySender.set(message.senderId, [...(bySender.get(message.senderId) ?? []), message]);
    }
    for (const [senderId, own] of bySender) {
      const messages = await Promise.all(
        own.map(async (m) => {
          const summary = await summaries.of(m);
          return { messageId: m.messageId, sequence: m.sequence, ...(summary ? { summary } : {}) };
        }),
      );
      this.push.push(
        { userId: senderId },
        {
          type: 'read',
          conversationId: delta.conversationId,
          readerId: delta.readerId,
          readUpToSequence: delta.readUpToSequence,
          readAt: delta.readAt,
          messages,
        },
      );
      this.metrics.pushes.inc({ type: 'read' }, messages.length);
    }
  }

  private readSync({ cursor, deviceId, shared, totalUnread }: Delta<'cursor_moved'>): void {
    this.push.push(
      { userId: cursor.userId, exceptDeviceId: deviceId },
      {
        type: 'read_sync',
        conversationId: cursor.conversationId,
        readUpToSequence: cursor.readUpTo,
        unread: cursor.unread,
        totalUnread,
      },
    );
    this.metrics.pushes.inc({ type: 'read_sync' });
    if (!shared) this.metrics.privacyFiltered.inc();
  }
}

/** A group message's summary, once per batch however many of its pushes carry it. */
class BatchSummaries {
  private readonly summaries = new Map<string, Promise<MessageSummaryPayload>>();

  constructor(private readonly queries: ReceiptQueryService) {}

  of(message: MessageDocument): Promise<MessageSummaryPayload> | undefined {
    if (message.recipientCount <= 1) return undefined;
    const key = `${message.conversationId}\u0000${message.messageId}`;
    let summary = this.summaries.get(key);
    if (!summary) this.summaries.set(key, (summary = this.queries.summaryOf(message)));
    return summary;
  }
}
