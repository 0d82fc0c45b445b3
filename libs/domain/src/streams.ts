import type { DomainEvent } from './receipt.events';

/**
 * Stream names. Ids are limited to [A-Za-z0-9_-], so '.' can separate two ids, and every
 * name starts with its category and a dash, which is what category filters key on.
 */
export const conversationStream = (conversationId: string): string =>
  `conversation-${conversationId}`;

export const receiptsStream = (conversationId: string, userId: string): string =>
  `receipts-${conversationId}.${userId}`;

export const userStream = (userId: string): string => `user-${userId}`;

export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Natural keys of events: the same ACK always maps to the same key, so retried appends dedupe. */
export const eventKey = (event: DomainEvent): string => {
  switch (event.type) {
    case 'message_sent':
      return `sent:${event.data.conversationId}:${event.data.messageId}`;
    case 'message_delivered': {
      const { conversationId, userId, messages } = event.data;
      return `delivered:${conversationId}:${userId}:${messages.map((m) => m.sequence).join('.')}`;
    }
    case 'conversation_read':
      return `read:${event.data.conversationId}:${event.data.userId}:${event.data.readUpToSequence}`;
    case 'read_receipts_changed':
      return `settings:${event.data.userId}:${event.data.changedAt}:${String(event.data.enabled)}`;
    default: {
      const unexpected: never = event;
      return unexpected;
    }
  }
};
