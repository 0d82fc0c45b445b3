/** A reader's cursor in one conversation, whose unread count a reconciliation recounts. */
export type CursorKey = Readonly<{ userId: string; conversationId: string }>;

/** A stored count found stale and fixed: which document, what it said, what it should say. */
export type UnreadRepair = Readonly<
  | {
      model: 'read_cursors';
      userId: string;
      conversationId: string;
      stored: number;
      recounted: number;
    }
  | { model: 'user_unread'; userId: string; stored: number; recounted: number }
>;

/**
 * Recounts from the per-recipient state: a cursor's unread is the number of the reader's
 * receipts above it; a user's total is the sum of their cursors' unread.
 */
export interface UnreadRecount {
  /** Recounts these cursors and their users' totals, fixes the stale ones, returns the fixes. */
  recountUnread(keys: readonly CursorKey[]): Promise<UnreadRepair[]>;
}
