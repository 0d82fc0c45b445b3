import type { MessageDocument } from '../message-receipts.read-model';
import type { ReceiptDelta } from '../projection/receipt-deltas';
import type { FeedChange, FeedEntry, FeedHead, FeedMessage } from './feed-entry';

/** What a batch adds to the feeds, and what it lets go of. */
export type FeedWrites = Readonly<{
  entries: readonly FeedEntry[];
  heads: readonly FeedHead[];
  /** Per user: entries at or below this position are past the retention and may be deleted. */
  prune: readonly FeedHead[];
}>;

type Addressed = Readonly<{ userId: string; deviceId: string | null; change: FeedChange }>;

/** The users whose feeds a batch's deltas write to: the adapter loads their heads first. */
export const feedUsers = (deltas: readonly ReceiptDelta[]): string[] => [
  ...new Set(addressed(deltas).map(({ userId }) => userId)),
];

/**
 * A batch's deltas as feed entries, numbered on from each user's stored head in log order. The
 * deltas are already privacy-filtered (a hidden read is a delivery, never a read), so the feed
 * tells each user exactly what their pushes tell them. Deterministic in the log: a replay of the
 * same events yields the same positions.
 */
export const feedEntries = (
  deltas: readonly ReceiptDelta[],
  storedHeads: ReadonlyMap<string, number>,
  retention: number,
): FeedWrites => {
  const heads = new Map<string, number>();
  const entries = addressed(deltas).map(({ userId, deviceId, change }): FeedEntry => {
    const position = (heads.get(userId) ?? storedHeads.get(userId) ?? 0) + 1;
    heads.set(userId, position);
    return { userId, position, deviceId, change };
  });
  const moved = [...heads].map(([userId, head]) => ({ userId, head }));
  return {
    entries,
    heads: moved,
    prune: moved
      .filter(({ head }) => head > retention)
      .map(({ userId, head }) => ({ userId, head: head - retention })),
  };
};

const addressed = (deltas: readonly ReceiptDelta[]): Addressed[] =>
  deltas.flatMap((delta): Addressed[] => {
    switch (delta.kind) {
      case 'delivered':
        return [
          {
            userId: delta.message.senderId,
            deviceId: null,
            change: {
              type: 'delivered',
              conversationId: delta.message.conversationId,
              message: feedMessage(delta.message),
              recipientId: delta.recipientId,
              deliveredAt: delta.deliveredAt,
            },
          },
        ];
      case 'read':
        return [...bySender(delta.messages)].map(([senderId, messages]) => ({
          userId: senderId,
          deviceId: null,
          change: {
            type: 'read',
            conversationId: delta.conversationId,
            readerId: delta.readerId,
            readUpToSequence: delta.readUpToSequence,
            readAt: delta.readAt,
            messages: messages.map(feedMessage),
          },
        }));
      case 'cursor_moved':
        return [
          {
            userId: delta.cursor.userId,
            deviceId: delta.deviceId,
            change: {
              type: 'read_sync',
              conversationId: delta.cursor.conversationId,
              readUpToSequence: delta.cursor.readUpTo,
              unread: delta.cursor.unread,
              totalUnread: delta.totalUnread,
            },
          },
        ];
      case 'message_registered':
      case 'counts':
        return [];
      default: {
        const unexpected: never = delta;
        return unexpected;
      }
    }
  });

const feedMessage = ({ messageId, sequence, recipientCount }: MessageDocument): FeedMessage => ({
  messageId,
  sequence,
  recipientCount,
});

const bySender = (messages: readonly MessageDocument[]): Map<string, MessageDocument[]> => {
  const grouped = new Map<string, MessageDocument[]>();
  for (const message of messages) {
    const own = grouped.get(message.senderId);
    if (own) own.push(message);
    else grouped.set(message.senderId, [message]);
  }
  return grouped;
};
