import type { MessageSummaryPayload } from '@receipts/contracts';
import type { FeedEntry, MessageDocument, ReceiptDelta } from '@receipts/read-models';
import type { PushChannel } from '@receipts/realtime';
import { feedUpdate } from './feed-updates';
import type { ReceiptMetrics } from './receipt-metrics';
import type { ReceiptQueryService } from './receipt-queries.service';

/**
 * Turns a committed batch into pushes: each feed entry the batch wrote goes to its user's
 * devices with its position (a read's sync to all but the device that read). Everything a push
 * says comes from the batch, except group counts, which are the committed summary (what a REST
 * query answers).
 */
export class ReceiptNotifier {
  constructor(
    private readonly queries: ReceiptQueryService,
    private readonly push: PushChannel,
    private readonly metrics: ReceiptMetrics,
  ) {}

  async notify(deltas: readonly ReceiptDelta[], feed: readonly FeedEntry[]): Promise<void> {
    const batch = new BatchFacts(deltas, this.queries);
    for (const entry of feed) {
      const update = await feedUpdate(entry, batch);
      const exceptDeviceId = update.type === 'read_sync' ? entry.deviceId : null;
      this.push.push({ userId: entry.userId, exceptDeviceId }, update);
      this.metrics.pushes.inc(
        { type: update.type },
        update.type === 'read' ? update.messages.length : 1,
      );
    }
    for (const delta of deltas) {
      if (delta.kind === 'cursor_moved' && !delta.shared) this.metrics.privacyFiltered.inc();
    }
    this.push.flush();
  }
}

/**
 * What a batch's pushes count with: each group message's committed summary once per batch,
 * however many pushes carry it, and each reader's unread counts as the batch left them.
 */
class BatchFacts {
  private readonly messages = new Map<string, MessageDocument>();
  private readonly unreadCounts = new Map<string, { unread: number; totalUnread: number }>();
  private readonly summaries = new Map<string, Promise<MessageSummaryPayload>>();

  constructor(
    deltas: readonly ReceiptDelta[],
    private readonly queries: ReceiptQueryService,
  ) {
    for (const delta of deltas) {
      if (delta.kind === 'delivered') this.remember(delta.message);
      if (delta.kind === 'read') delta.messages.forEach((m) => this.remember(m));
      if (delta.kind === 'cursor_moved') {
        const { userId, conversationId, unread } = delta.cursor;
        this.unreadCounts.set(`${userId}\u0000${conversationId}`, {
          unread,
          totalUnread: delta.totalUnread,
        });
      }
    }
  }

  summary = (conversationId: string, { messageId }: { messageId: string }) => {
    const key = `${conversationId}\u0000${messageId}`;
    let summary = this.summaries.get(key);
    if (!summary)
      this.summaries.set(key, (summary = this.queries.summaryOf(this.messages.get(key)!)));
    return summary;
  };

  unread = (userId: string, conversationId: string) =>
    this.unreadCounts.get(`${userId}\u0000${conversationId}`) ?? { unread: 0, totalUnread: 0 };

  private remember(message: MessageDocument): void {
    this.messages.set(`${message.conversationId}\u0000${message.messageId}`, message);
  }
}
