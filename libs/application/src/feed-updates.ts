import type { FeedUpdate, MessageSummaryPayload } from '@receipts/contracts';
import type { FeedEntry, FeedMessage } from '@receipts/read-models';

/** The counts an entry goes out with: committed at its batch (pushes), or current (catch-up). */
export type FeedCounts = Readonly<{
  summary(conversationId: string, message: FeedMessage): Promise<MessageSummaryPayload>;
  unread(userId: string, conversationId: string): Readonly<{ unread: number; totalUnread: number }>;
}>;

/** A feed entry as its push says it, with its position: one wire shape for pushes and pages. */
export const feedUpdate = async (
  { userId, position, change }: FeedEntry,
  counts: FeedCounts,
): Promise<FeedUpdate> => {
  const summaryOf = async (message: FeedMessage) =>
    message.recipientCount > 1
      ? { summary: await counts.summary(change.conversationId, message) }
      : {};
  switch (change.type) {
    case 'delivered': {
      const { message } = change;
      return {
        type: 'delivered',
        position,
        conversationId: change.conversationId,
        messageId: message.messageId,
        sequence: message.sequence,
        recipientId: change.recipientId,
        deliveredAt: change.deliveredAt,
        ...(await summaryOf(message)),
      };
    }
    case 'read':
      return {
        type: 'read',
        position,
        conversationId: change.conversationId,
        readerId: change.readerId,
        readUpToSequence: change.readUpToSequence,
        readAt: change.readAt,
        messages: await Promise.all(
          change.messages.map(async (m) => ({
            messageId: m.messageId,
            sequence: m.sequence,
            ...(await summaryOf(m)),
          })),
        ),
      };
    case 'read_sync':
      return {
        type: 'read_sync',
        position,
        conversationId: change.conversationId,
        readUpToSequence: change.readUpToSequence,
        ...counts.unread(userId, change.conversationId),
      };
    default: {
      const unexpected: never = change;
      return unexpected;
    }
  }
};
