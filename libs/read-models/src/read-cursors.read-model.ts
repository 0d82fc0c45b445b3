/**
 * A user's place in one conversation. One document per user and conversation, rewritten once
 * per read however many messages the read covers; `unread` counts the messages addressed to the
 * user above `readUpTo`.
 */
export type ReadCursorDocument = Readonly<{
  userId: string;
  conversationId: string;
  readUpTo: number;
  /** The part of the cursor senders may see: it moves only with reads made with receipts on. */
  sharedReadUpTo: number;
  unread: number;
  lastReadAt: string | null;
}>;

export type UserUnread = Readonly<{
  userId: string;
  totalUnread: number;
  conversations: readonly ReadCursorDocument[];
}>;

export const emptyCursor = (userId: string, conversationId: string): ReadCursorDocument => ({
  userId,
  conversationId,
  readUpTo: 0,
  sharedReadUpTo: 0,
  unread: 0,
  lastReadAt: null,
});

/** The cursor after a read; `unreadAbove` counts the user's messages above a sequence. */
export const moveCursor = (
  cursor: ReadCursorDocument,
  move: Readonly<{ readUpToSequence: number; receiptsShared: boolean; readAt: string }>,
  unreadAbove: (sequence: number) => number,
): ReadCursorDocument => {
  const readUpTo = Math.max(cursor.readUpTo, move.readUpToSequence);
  return {
    ...cursor,
    readUpTo,
    sharedReadUpTo: move.receiptsShared
      ? Math.max(cursor.sharedReadUpTo, move.readUpToSequence)
      : cursor.sharedReadUpTo,
    unread: unreadAbove(readUpTo),
    lastReadAt: readUpTo > cursor.readUpTo ? move.readAt : cursor.lastReadAt,
  };
};

/** A new message addressed to the user counts as unread only above their cursor. */
export const messageArrived = (cursor: ReadCursorDocument, sequence: number): ReadCursorDocument =>
  sequence > cursor.readUpTo ? { ...cursor, unread: cursor.unread + 1 } : cursor;
