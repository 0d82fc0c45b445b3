import type { FeedUpdate, MessageSummaryPayload } from '@receipts/contracts';
import type { FeedEntry, FeedMessage } from '@receipts/read-models';

/**
 * A group message's counts as an entry goes out with them: committed at its batch (pushes), or
 * current (catch-up). Entries keep no group counts: any change to them is an entry of its own.
 */
export type SummaryOf = (
  conversationId: string,
  message: FeedMessage,
) => Promise<MessageSummaryPayload>;

/** A feed entry as its push says it, with its position: one wire shape for pushes and pages. */
export const feedUpdate = async (
  { position, change }: FeedEntry,
  summary: SummaryOf,
): Promise<FeedUpdate> => {
  const summaryOf = async (message: FeedMessage) =>
    message.recipientCount > 1 ? { summary: await summary(change.conversationId, message) } : {};
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
      return { position, ...change };
    default: {
      const unexpected: never = change;
      return unexpected;
    }
  }
};
