import type { ReadModelChange } from '../read-model.changes';
import { type CursorKey, type DocumentKeys, cursorKeyOf } from './documents';

/** The stored documents a batch's changes touch, each named once. */
export const documentKeys = (changes: readonly ReadModelChange[]): DocumentKeys => {
  const slots = new Map<string, DocumentKeys['messageSlots'][number]>();
  const ids = new Map<string, DocumentKeys['messageIds'][number]>();
  const recipients = new Map<string, DocumentKeys['recipients'][number]>();
  const cursors = new Map<string, CursorKey>();
  /** Users whose cursors the batch may move: their unread totals move with them. */
  const movers = new Set<string>();
  const addCursor = (userId: string, conversationId: string, moves = true) => {
    cursors.set(cursorKeyOf({ userId, conversationId }), { userId, conversationId });
    if (moves) movers.add(userId);
  };
  for (const change of changes) {
    const { conversationId } = change;
    switch (change.kind) {
      case 'message_registered':
        slots.set(`${conversationId}\u0000${change.sequence}`, {
          conversationId,
          sequence: change.sequence,
        });
        ids.set(`${conversationId}\u0000${change.messageId}`, {
          conversationId,
          messageId: change.messageId,
        });
        for (const userId of change.recipientIds) addCursor(userId, conversationId);
        break;
      case 'message_delivered': {
        const { sequence, userId } = change;
        slots.set(`${conversationId}\u0000${sequence}`, { conversationId, sequence });
        recipients.set(`${conversationId}\u0000${sequence}\u0000${userId}`, {
          conversationId,
          sequence,
          userId,
        });
        addCursor(userId, conversationId, false);
        break;
      }
      case 'cursor_moved':
        addCursor(change.userId, conversationId);
        break;
      default: {
        const unexpected: never = change;
        return unexpected;
      }
    }
  }
  return {
    messageSlots: [...slots.values()],
    messageIds: [...ids.values()],
    recipients: [...recipients.values()],
    cursors: [...cursors.values()],
    totals: [...movers],
  };
};
