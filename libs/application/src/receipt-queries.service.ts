import type { SummaryCache } from '@receipts/cache';
import { ReceiptError } from '@receipts/domain';
import {
  type MessageDocument,
  type MessageSummary,
  type ReadCursorDocument,
  type ReceiptDelta,
  type RecipientReceipt,
  type UserUnread,
  countReceipts,
  recipientReceipt,
  summarize,
} from '@receipts/read-models';
import type { ReadStore } from '@receipts/read-store';
import type { Principal } from './principal';
import {
  ALL_UNREAD_FIELD,
  conversationGroup,
  cursorField,
  detailField,
  staleGroups,
  summaryField,
  userGroup,
} from './query-cache-keys';

export type MessageReceipts = Readonly<{
  message: MessageDocument;
  summary: MessageSummary;
  recipients: readonly RecipientReceipt[];
}>;

/** What a summary answer keeps of its message: enough to say who may see it. */
type Counted = Readonly<{ message: MessageDocument; summary: MessageSummary }>;

export type CacheLookupResult = 'hit' | 'miss' | 'error';

/** Hot answers from a short-TTL cache; without it (or with ttlMs 0) every query reads the store. */
export type QueryCaching = Readonly<{
  cache: SummaryCache;
  ttlMs: number;
  onLookup?: (result: CacheLookupResult) => void;
}>;

/** The query side: read models only, with who may see what decided here. */
export class ReceiptQueryService {
  constructor(
    private readonly readStore: ReadStore,
    private readonly caching: QueryCaching | null = null,
  ) {}

  /** Receipt detail is the sender's to see (and trusted services'). */
  async messageReceipts(
    viewer: Principal,
    conversationId: string,
    messageId: string,
  ): Promise<MessageReceipts> {
    const receipts = await this.cached(
      conversationGroup(conversationId),
      detailField(messageId),
      async () => {
        const message = await this.readStore.findMessage(conversationId, messageId);
        return message && this.load(message);
      },
    );
    return this.visible(viewer, receipts);
  }

  async messageSummary(
    viewer: Principal,
    conversationId: string,
    messageId: string,
  ): Promise<MessageSummary> {
    const counted = await this.cached(
      conversationGroup(conversationId),
      summaryField(messageId),
      async () => {
        const message = await this.readStore.findMessage(conversationId, messageId);
        return message && this.counted(message);
      },
    );
    return this.visible(viewer, counted).summary;
  }

  /** For pushes after a commit: a miss here refills the cache the commit just invalidated. */
  async summaryOf(message: MessageDocument): Promise<MessageSummary> {
    const counted = await this.cached(
      conversationGroup(message.conversationId),
      summaryField(message.messageId),
      () => this.counted(message),
    );
    return counted.summary;
  }

  async unread(
    viewer: Principal,
    userId: string,
    conversationId: string,
  ): Promise<ReadCursorDocument> {
    this.requireSelf(viewer, userId);
    const cursor = await this.cached(userGroup(userId), cursorField(conversationId), () =>
      this.readStore.findCursor(userId, conversationId),
    );
    if (!cursor) {
      throw new ReceiptError(
        'UNKNOWN_CONVERSATION',
        'The user has no messages in this conversation',
      );
    }
    return cursor;
  }

  async userUnread(viewer: Principal, userId: string): Promise<UserUnread> {
    this.requireSelf(viewer, userId);
    return this.cached(userGroup(userId), ALL_UNREAD_FIELD, async () => {
      const [conversations, totalUnread] = await Promise.all([
        this.readStore.cursorsOf(userId),
        this.readStore.totalUnread(userId),
      ]);
      return { userId, totalUnread, conversations };
    });
  }

  /** Called by the projection after each committed batch, before its pushes go out. */
  async invalidate(deltas: readonly ReceiptDelta[]): Promise<void> {
    const groups = staleGroups(deltas);
    if (this.caching && groups.length > 0) await this.caching.cache.invalidate(groups);
  }

  private async load(message: MessageDocument): Promise<MessageReceipts> {
    const facts = await this.readStore.recipientFacts(message.conversationId, message.sequence);
    const recipients = facts.map(recipientReceipt);
    return { message, summary: summarize(message, countReceipts(recipients)), recipients };
  }

  private async counted(message: MessageDocument): Promise<Counted> {
    const counts = await this.readStore.recipientCounts(message.conversationId, message.sequence);
    return { message, summary: summarize(message, counts) };
  }

  /**
   * Receipts are the sender's to see. Anyone else gets the answer a message that does not exist
   * gets, word for word, so nobody can probe which message ids exist in whose conversation.
   */
  private visible<T extends Counted>(viewer: Principal, found: T | null): T {
    const others = viewer.kind === 'user' && viewer.userId !== found?.message.senderId;
    if (!found || others) {
      throw new ReceiptError(
        'UNKNOWN_MESSAGE',
        'No message of yours with this id in this conversation',
      );
    }
    return found;
  }

  /**
   * The cache is an optimisation, never a dependency: when it fails, the store answers. Nothing
   * is cached for an absent answer (null).
   */
  private async cached<T>(group: string, field: string, load: () => Promise<T>): Promise<T> {
    if (!this.caching || this.caching.ttlMs <= 0) return load();
    const { cache, ttlMs, onLookup } = this.caching;
    const lookup = await cache.get<T>(group, field, ttlMs).catch(() => null);
    onLookup?.(lookup === null ? 'error' : lookup.hit ? 'hit' : 'miss');
    if (lookup?.hit) return lookup.value;
    const value = await load();
    if (lookup && value !== null)
      await cache.set(group, field, value, lookup.lease).catch(() => false);
    return value;
  }

  private requireSelf(viewer: Principal, userId: string): void {
    if (viewer.kind === 'user' && viewer.userId !== userId) {
      throw new ReceiptError('FORBIDDEN', "Unread counts are only their owner's to see");
    }
  }
}
