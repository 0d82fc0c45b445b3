import type { ReadStore } from '@receipts/read-store';

export type UnreadConversation = Readonly<{
  conversationId: string;
  /** The cursor the count starts from: messages addressed to the user above it are unread. */
  readUpTo: number;
  sharedReadUpTo: number;
  lastReadAt: string | null;
  /** The count the user's badge shows for this conversation. */
  unread: number;
  /** The messages that make the count, oldest first, at most the limit. */
  messages: readonly Readonly<{
    messageId: string;
    sequence: number;
    senderId: string;
    sentAt: string;
    deliveredAt: string | null;
  }>[];
  /** Every unread message is listed (not cut at the limit). */
  complete: boolean;
  /** The stored count equals the messages found above the cursor (null: too many to list). */
  consistent: boolean | null;
}>;

export type UnreadExplanation = Readonly<{
  userId: string;
  /** The total the user's app shows. */
  totalUnread: number;
  /** The conversations' counts added up: equal to the total unless the total drifted. */
  sumOfConversations: number;
  conversations: readonly UnreadConversation[];
}>;

/**
 * Which messages make a user's unread count, and the cursor they are counted from: for a support
 * question ("why does my badge say 3?"), read from the read models as the user's app sees them.
 */
export const explainUnread = async (
  reads: ReadStore,
  userId: string,
  conversationId: string | undefined,
  limit: number,
): Promise<UnreadExplanation> => {
  const cursors =
    conversationId === undefined
      ? await reads.cursorsOf(userId)
      : [await reads.findCursor(userId, conversationId)].flatMap((c) => (c ? [c] : []));
  const conversations = await Promise.all(
    cursors.map(async (cursor): Promise<UnreadConversation> => {
      const found = await reads.messagesTo(
        cursor.conversationId,
        userId,
        cursor.readUpTo,
        Number.MAX_SAFE_INTEGER,
        limit + 1,
      );
      const complete = found.length <= limit;
      return {
        conversationId: cursor.conversationId,
        readUpTo: cursor.readUpTo,
        sharedReadUpTo: cursor.sharedReadUpTo,
        lastReadAt: cursor.lastReadAt,
        unread: cursor.unread,
        messages: found.slice(0, limit).map((m) => ({
          messageId: m.messageId,
          sequence: m.sequence,
          senderId: m.senderId,
          sentAt: m.sentAt,
          deliveredAt: m.deliveredAt,
        })),
        complete,
        consistent: complete
          ? found.length === cursor.unread
          : cursor.unread > limit
            ? null
            : false,
      };
    }),
  );
  const all = conversationId === undefined ? conversations : await reads.cursorsOf(userId);
  return {
    userId,
    totalUnread: await reads.totalUnread(userId),
    sumOfConversations: all.reduce((sum, c) => sum + c.unread, 0),
    conversations: conversations.filter(
      (c) => conversationId !== undefined || c.unread > 0 || c.consistent === false,
    ),
  };
};
