/** What the server pushes to devices, in one `receipts` frame holding every update of a short window. */
export type MessageSummaryPayload = {
  messageId: string;
  sequence: number;
  totalRecipients: number;
  deliveredCount: number;
  readCount: number;
  status: 'sent' | 'delivered' | 'read';
};

/** A change a user is told of, as its push says it and as their change feed serves it. */
export type FeedUpdate =
  | {
      type: 'delivered';
      /** Its place in the receiving user's change feed: 1, 2, 3... without gaps. */
      position: number;
      conversationId: string;
      messageId: string;
      sequence: number;
      recipientId: string;
      deliveredAt: string;
      /** Present for group messages (more than one recipient). */
      summary?: MessageSummaryPayload;
    }
  | {
      type: 'read';
      position: number;
      conversationId: string;
      readerId: string;
      readUpToSequence: number;
      readAt: string;
      /** The receiving sender's messages that this read newly covers (at most 200). */
      messages: Array<{ messageId: string; sequence: number; summary?: MessageSummaryPayload }>;
    }
  | {
      type: 'read_sync';
      position: number;
      conversationId: string;
      readUpToSequence: number;
      unread: number;
      totalUnread: number;
    };

export type ReceiptUpdate =
  | FeedUpdate
  /** To the device whose own read took this feed position: nothing to apply, no gap either. */
  | { type: 'position'; position: number };

/** A page of a user's change feed (REST and `receipt:resume`). */
export type FeedPage = {
  userId: string;
  entries: FeedUpdate[];
  /** The last position in `entries`, or the asked `after` when there is none. */
  next: number;
  /** The user's newest position: ask again from `next` while `next < head`. */
  head: number;
};

/**
 * Per-member progress of a conversation's messages, to the devices syncing it
 * (`receipt:sync:start`): only the syncing user's own messages, as their detail view shows them.
 * Messages to more recipients than the member-detail limit get `counts` instead.
 */
export type ProgressUpdate =
  | {
      type: 'member_delivered';
      conversationId: string;
      messageId: string;
      sequence: number;
      userId: string;
      deliveredAt: string;
    }
  | {
      type: 'member_read';
      conversationId: string;
      userId: string;
      readUpToSequence: number;
      readAt: string;
      /** The syncing user's messages this read newly covers (at most 200). */
      messages: Array<{ messageId: string; sequence: number }>;
    }
  | {
      type: 'counts';
      conversationId: string;
      messageId: string;
      sequence: number;
      summary: MessageSummaryPayload;
    };
