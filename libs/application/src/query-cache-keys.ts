import type { ReceiptDelta } from '@receipts/read-models';

/** Every cached answer about one conversation's messages (summaries and detail views). */
export const conversationGroup = (conversationId: string): string => `c:${conversationId}`;
/** Every cached unread answer of one user. */
export const userGroup = (userId: string): string => `u:${userId}`;

/** A message's counts (small, read on every push), apart from its detail (one row per recipient). */
export const summaryField = (messageId: string): string => `s:${messageId}`;
export const detailField = (messageId: string): string => `d:${messageId}`;
export const cursorField = (conversationId: string): string => `c:${conversationId}`;
export const ALL_UNREAD_FIELD = 'all';

/**
 * The cached groups a committed batch makes stale: a delivery or a read changes the counts of
 * the conversation's messages; a new message or a read changes the unread of the users involved.
 * A read of k messages costs one group per conversation, not one key per message.
 */
export const staleGroups = (deltas: readonly ReceiptDelta[]): string[] => {
  const groups = new Set<string>();
  for (const delta of deltas) {
    switch (delta.kind) {
      case 'message_registered':
        for (const userId of delta.recipientIds) groups.add(userGroup(userId));
        break;
      case 'delivered':
      case 'counts':
        groups.add(conversationGroup(delta.message.conversationId));
        break;
      case 'read':
        groups.add(conversationGroup(delta.conversationId));
        break;
      case 'cursor_moved':
        groups.add(conversationGroup(delta.cursor.conversationId));
        groups.add(userGroup(delta.cursor.userId));
        break;
      default: {
        const unexpected: never = delta;
        return unexpected;
      }
    }
  }
  return [...groups];
};
