import type { MessageDocument } from '../message-receipts.read-model';
import type { ReadCursorDocument } from '../read-cursors.read-model';
import type { ReadModelWrites } from './documents';

/**
 * What changed for whom in one batch, in log order: the projection's output besides the
 * documents, from which pushes, cache invalidations and the change feed are built without
 * asking the read models again. Only effective changes appear: a redelivered event yields none.
 */
export type ReceiptDelta =
  | Readonly<{
      kind: 'message_registered';
      message: MessageDocument;
      recipientIds: readonly string[];
    }>
  /**
   * A recipient's message shows as delivered to its sender from now on: by a delivered ACK, or
   * by a read the reader did not share (which tells senders exactly that much, at its time).
   */
  | Readonly<{
      kind: 'delivered';
      message: MessageDocument;
      recipientId: string;
      deliveredAt: string;
    }>
  /**
   * A shared read: every message addressed to the reader that its senders had not been shown
   * read, from the shared cursor before it (hidden reads included) up to this read.
   */
  | Readonly<{
      kind: 'read';
      conversationId: string;
      readerId: string;
      readUpToSequence: number;
      readAt: string;
      messages: readonly MessageDocument[];
    }>
  /**
   * A reader's cursor moved: the cursor and their unread total right after this read, whatever
   * else its batch holds (so the same in a replay with other batch boundaries).
   */
  | Readonly<{
      kind: 'cursor_moved';
      deviceId: string | null;
      shared: boolean;
      cursor: ReadCursorDocument;
      totalUnread: number;
    }>
  /**
   * A message's counts as the batch left them, once per message whose counts it changed, after
   * the batch's other deltas: what a summary pushed for the batch says.
   */
  | Readonly<{
      kind: 'counts';
      message: MessageDocument;
      delivered: number;
      read: number;
    }>;

export type ProjectedBatch = Readonly<{
  writes: ReadModelWrites;
  deltas: readonly ReceiptDelta[];
}>;
