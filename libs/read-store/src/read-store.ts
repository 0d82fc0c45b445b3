import type { GlobalPosition } from '@receipts/event-store';
import type {
  AddressedMessage,
  MessageDocument,
  ReadCursorDocument,
  ProjectOptions,
  ReadModelChange,
  ReceiptDelta,
  RecipientCounts,
  RecipientFacts,
} from '@receipts/read-models';
import type { ReadModelAudit } from './read-model-audit';
import type { ProjectionControlStore } from './projection-control';
import type { UnreadRecount } from './unread-recount';

export const READ_STORE = Symbol('ReadStore');

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
 * projection returns, and hands back its deltas (what changed for whom).
 */
export interface ReadStore
  extends CheckpointStore, ReadModelAudit, ProjectionControlStore, UnreadRecount {
  apply(
    projection: string,
    changes: readonly ReadModelChange[],
    checkpoint: GlobalPosition,
    options?: ProjectOptions,
  ): Promise<readonly ReceiptDelta[]>;
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
  close(): Promise<void>;
}
