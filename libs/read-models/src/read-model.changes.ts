import type { DomainEvent, DomainEventType } from '@receipts/domain';

/**
 * What one event asks of the read models. Each change is idempotent on its own (the adapter
 * guards it by key), so a batch applied twice changes nothing the second time.
 */
export type ReadModelChange =
  | Readonly<{
      kind: 'message_registered';
      conversationId: string;
      messageId: string;
      sequence: number;
      senderId: string;
      sentAt: string;
      recipientIds: readonly string[];
    }>
  | Readonly<{
      kind: 'message_delivered';
      conversationId: string;
      sequence: number;
      userId: string;
      deviceId: string;
      deliveredAt: string;
    }>
  | Readonly<{
      kind: 'cursor_moved';
      conversationId: string;
      userId: string;
      deviceId: string | null;
      readUpToSequence: number;
      receiptsShared: boolean;
      readAt: string;
    }>;

export const RECEIPTS_PROJECTION = 'receipts';

/** The event types the receipts projection handles; anything else in the log is skipped. */
export const PROJECTED_EVENT_TYPES: ReadonlySet<DomainEventType> = new Set([
  'message_sent',
  'message_delivered',
  'conversation_read',
]);

export const projectEvent = (event: DomainEvent): ReadModelChange[] => {
  switch (event.type) {
    case 'message_sent':
      return [{ kind: 'message_registered', ...event.data }];
    case 'message_delivered': {
      const { conversationId, userId, deviceId, deliveredAt, messages } = event.data;
      return messages.map(({ sequence }) => ({
        kind: 'message_delivered',
        conversationId,
        sequence,
        userId,
        deviceId,
        deliveredAt,
      }));
    }
    case 'conversation_read': {
      const { conversationId, userId, deviceId, readUpToSequence, receiptsShared, readAt } =
        event.data;
      return [
        {
          kind: 'cursor_moved',
          conversationId,
          userId,
          deviceId,
          readUpToSequence,
          receiptsShared,
          readAt,
        },
      ];
    }
    case 'read_receipts_changed':
      return [];
    default: {
      const unexpected: never = event;
      return unexpected;
    }
  }
};
