import type { GlobalPosition } from '@receipts/event-store';
import type {
  AddressedMessage,
  FeedEntry,
  MessageDocument,
  ReadCursorDocument,
  ReadModelChange,
  ReceiptDelta,
  RecipientCounts,
  RecipientFacts,
  StoredFeedPage,
} from '@receipts/read-models';
import type { ReadModelAudit } from './read-model-audit';
import type { ProjectionControlStore } from './projection-control';
import type { UnreadRecount } from './unread-recount';

export const READ_STORE = Symbol('ReadStore');

/** What a committed batch changed for whom, and the feed entries it gave each user. */
export type AppliedBatch = Readonly<{
  deltas: readonly ReceiptDelta[];
  feed: readonly FeedEntry[];
}>;

/** How many entries each user's feed keeps (the store drops older ones as it writes). */
export type FeedOptions = Readonly<{ feedRetention?: number }>;

/** Where a projection stands in the log; stored with the read models it produced. */
export interface CheckpointStore {
  loadCheckpoint(projection: string): Promise<GlobalPosition | null>;
  storeCheckpoint(projection: string, position: GlobalPosition): Promise<void>;
}

/**
 * The read models. `apply` commits a batch of changes together with the projection's checkpoint:
 * after a crash either both are there or neither, and every change is guarded by its key, so
 * applying the same batch again changes nothing. The rules are the projection's (`projectBatch`
 * in @receipts/read-models): an adapter loads the documents a batch touches, writes what the
 * projection returns, and hands back its deltas (what changed for whom) with the feed entries
 * (`feedEntries`) it wrote in the same commit.
 */
export interface ReadStore
  extends CheckpointStore, ReadModelAudit, ProjectionControlStore, UnreadRecount {
  apply(
    projection: string,
    changes: readonly ReadModelChange[],
    checkpoint: GlobalPosition,
  ): Promise<AppliedBatch>;
  /** Drops every read model and the checkpoint of a projection, for a rebuild from the log. */
  reset(projection: string): Promise<void>;

  findMessage(conversationId: string, messageId: string): Promise<MessageDocument | null>;
  /**
   * The messages addressed to `userId` with fromExclusive < sequence <= toInclusive, in sequence
   * order, at most `limit`, each with the user's delivered ACK time.
   */
  messagesTo(
    conversationId: string,
    userId: string,
    fromExclusive: number,
    toInclusive: number,
    limit: number,
  ): Promise<AddressedMessage[]>;
  /** One entry per recipient of the message, in user id order. */
  recipientFacts(conversationId: string, sequence: number): Promise<RecipientFacts[]>;
  /**
   * The counts a summary shows, equal to counting `recipientFacts` through `recipientReceipt`,
   * without reading each recipient's read steps: a recipient has read the message iff their
   * cursor is at or above it.
   */
  recipientCounts(conversationId: string, sequence: number): Promise<RecipientCounts>;
  findCursor(userId: string, conversationId: string): Promise<ReadCursorDocument | null>;
  /** Every conversation cursor of the user, in conversation id order. */
  cursorsOf(userId: string): Promise<ReadCursorDocument[]>;
  totalUnread(userId: string): Promise<number>;
  /** The user's feed entries after `after`, in position order, at most `limit`. */
  feedPage(userId: string, after: number, limit: number): Promise<StoredFeedPage>;
  close(): Promise<void>;
}
