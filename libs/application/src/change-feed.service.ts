import type { FeedPage } from '@receipts/contracts';
import { ReceiptError } from '@receipts/domain';
import { feedGap } from '@receipts/read-models';
import type { ReadStore } from '@receipts/read-store';
import { feedUpdate } from './feed-updates';
import type { Principal } from './principal';
import type { ReceiptQueryService } from './receipt-queries.service';

/**
 * A user's change feed, page by page: what their pushes said since a position, group counts as
 * they are now, so a client that applies a page ends where an always-online device is.
 */
export class ChangeFeedService {
  constructor(
    private readonly readStore: ReadStore,
    private readonly queries: ReceiptQueryService,
  ) {}

  async page(viewer: Principal, userId: string, after: number, limit: number): Promise<FeedPage> {
    if (viewer.kind === 'user' && viewer.userId !== userId) {
      throw new ReceiptError('FORBIDDEN', "A change feed is only its owner's to read");
    }
    const stored = await this.readStore.feedPage(userId, after, limit);
    const gap = feedGap(after, stored);
    if (gap) {
      throw new ReceiptError(
        'RESYNC_REQUIRED',
        gap === 'expired'
          ? 'The feed no longer keeps the changes after this position: resync from the snapshots and go on from head'
          : 'The feed never gave this position: resync from the snapshots and go on from head',
        { reason: gap, head: stored.head },
      );
    }
    const owner: Principal = { kind: 'user', userId, deviceId: null };
    const entries = await Promise.all(
      stored.entries.map((entry) =>
        feedUpdate(entry, (conversationId, message) =>
          this.queries.messageSummary(owner, conversationId, message.messageId),
        ),
      ),
    );
    return { userId, entries, next: stored.entries.at(-1)?.position ?? after, head: stored.head };
  }
}
