import type { ProgressUpdate } from '@receipts/contracts';
import type { MessageDocument, ReceiptDelta } from '@receipts/read-models';

/** What one sender's syncing devices of one conversation are told of a batch. */
export type SyncProgress = {
  userId: string;
  conversationId: string;
  /** Per-member updates, in log order. */
  members: ProgressUpdate[];
  /** Messages above the member-detail limit whose counts changed: sent as `counts`, once each. */
  counted: Map<string, MessageDocument>;
};

/**
 * A batch's deltas as per-member progress for the senders' syncing devices: who delivered and
 * who read which of their messages, and when. The deltas already show a hidden read as the
 * deliveries it implies, so the privacy of pushes holds here too. A message to more recipients
 * than `memberDetailMax` names no member: its new counts go instead.
 */
export const syncProgress = (
  deltas: readonly ReceiptDelta[],
  memberDetailMax: number,
): SyncProgress[] => {
  const targets = new Map<string, SyncProgress>();
  const target = (userId: string, conversationId: string): SyncProgress => {
    const key = `${userId}\u0000${conversationId}`;
    let found = targets.get(key);
    if (!found) {
      found = { userId, conversationId, members: [], counted: new Map() };
      targets.set(key, found);
    }
    return found;
  };
  const detailed = (message: MessageDocument) => message.recipientCount <= memberDetailMax;
  for (const delta of deltas) {
    if (delta.kind === 'delivered') {
      const { message } = delta;
      const to = target(message.senderId, message.conversationId);
      if (!detailed(message)) to.counted.set(message.messageId, message);
      else
        to.members.push({
          type: 'member_delivered',
          conversationId: message.conversationId,
          messageId: message.messageId,
          sequence: message.sequence,
          userId: delta.recipientId,
          deliveredAt: delta.deliveredAt,
        });
    } else if (delta.kind === 'read') {
      const bySender = new Map<string, MessageDocument[]>();
      for (const message of delta.messages) {
        const to = target(message.senderId, delta.conversationId);
        if (!detailed(message)) to.counted.set(message.messageId, message);
        else bySender.set(message.senderId, [...(bySender.get(message.senderId) ?? []), message]);
      }
      for (const [senderId, messages] of bySender) {
        target(senderId, delta.conversationId).members.push({
          type: 'member_read',
          conversationId: delta.conversationId,
          userId: delta.readerId,
          readUpToSequence: delta.readUpToSequence,
          readAt: delta.readAt,
          messages: messages.map(({ messageId, sequence }) => ({ messageId, sequence })),
        });
      }
    }
  }
  return [...targets.values()];
};
