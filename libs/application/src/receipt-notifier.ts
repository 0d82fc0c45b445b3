import type { MessageSummaryPayload } from '@receipts/contracts';
import {
  type FeedEntry,
  type MessageDocument,
  type ReceiptDelta,
  summarize,
} from '@receipts/read-models';
import type { PushChannel } from '@receipts/realtime';
import { feedUpdate } from './feed-updates';
import { syncProgress } from './sync-progress';
import type { ReceiptMetrics } from './receipt-metrics';
import type { ReceiptQueryService } from './receipt-queries.service';

/**
 * Turns a committed batch into pushes: each feed entry the batch wrote goes to its user's
 * devices with its position (a read's sync to all but the device that read). Everything a push
 * says comes from the batch, group counts included (each message's counts as the batch left
 * them, what a REST query answers once it is committed).
 */
export class ReceiptNotifier {
  constructor(
    private readonly queries: ReceiptQueryService,
    private readonly push: PushChannel,
    private readonly metrics: ReceiptMetrics,
    /** Messages to more recipients than this sync as counts only. */
    private readonly memberDetailMax: number,
  ) {}

  async notify(deltas: readonly ReceiptDelta[], feed: readonly FeedEntry[]): Promise<void> {
    const summaries = new BatchSummaries(deltas, this.queries);
    for (const entry of feed) {
      const update = await feedUpdate(entry, summaries.of);
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
    await this.progress(deltas, summaries);
  }

  /** Per-member progress to the senders' devices that sync the conversation (if any). */
  private async progress(
    deltas: readonly ReceiptDelta[],
    summaries: BatchSummaries,
  ): Promise<void> {
    for (const { userId, conversationId, members, counted } of syncProgress(
      deltas,
      this.memberDetailMax,
    )) {
      const counts = await Promise.all(
        [...counted.values()].map(async (message) => ({
          type: 'counts' as const,
          conversationId,
          messageId: message.messageId,
          sequence: message.sequence,
          summary: await summaries.of(conversationId, message),
        })),
      );
      this.push.progress(userId, conversationId, [...members, ...counts]);
    }
  }
}

/**
 * A group message's summary after the batch: from its counts delta, or for a push that changed
 * no count (a delivery ACK after a read had counted it) the committed one, once per batch.
 */
class BatchSummaries {
  private readonly messages = new Map<string, MessageDocument>();
  private readonly summaries = new Map<string, Promise<MessageSummaryPayload>>();

  constructor(
    deltas: readonly ReceiptDelta[],
    private readonly queries: ReceiptQueryService,
  ) {
    for (const delta of deltas) {
      if (delta.kind === 'delivered') this.remember(delta.message);
      if (delta.kind === 'read') delta.messages.forEach((m) => this.remember(m));
      if (delta.kind === 'counts') {
        this.summaries.set(keyOf(delta.message), Promise.resolve(summarize(delta.message, delta)));
      }
    }
  }

  of = (conversationId: string, { messageId }: { messageId: string }) => {
    const key = keyOf({ conversationId, messageId });
    let summary = this.summaries.get(key);
    if (!summary)
      this.summaries.set(key, (summary = this.queries.summaryOf(this.messages.get(key)!)));
    return summary;
  };

  private remember(message: MessageDocument): void {
    this.messages.set(keyOf(message), message);
  }
}

const keyOf = ({ conversationId, messageId }: { conversationId: string; messageId: string }) =>
  `${conversationId}\u0000${messageId}`;
