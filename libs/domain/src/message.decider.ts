import { type ConversationState, findMessage, messageAt } from './conversation.state';
import type { RegisterMessage } from './receipt.commands';
import { ReceiptError } from './receipt.errors';
import type { MessageSent } from './receipt.events';

/** Registering the same message again is a no-op; the same id or sequence with other content is a conflict. */
export const decideRegistration = (
  { data }: RegisterMessage,
  conversation: ConversationState,
): MessageSent[] => {
  const existing = findMessage(conversation, data.messageId);
  if (existing) {
    if (sameMessage(existing, data)) return [];
    throw new ReceiptError(
      'MESSAGE_CONFLICT',
      'This message id was registered with other content',
      {
        messageId: data.messageId,
      },
    );
  }
  if (messageAt(conversation, data.sequence)) {
    throw new ReceiptError(
      'SEQUENCE_CONFLICT',
      'Another message already has this sequence number',
      {
        sequence: data.sequence,
      },
    );
  }
  if (data.recipientIds.length === 0) {
    throw new ReceiptError('VALIDATION_FAILED', 'A message needs at least one recipient');
  }
  if (data.recipientIds.includes(data.senderId)) {
    throw new ReceiptError('VALIDATION_FAILED', 'The sender cannot be one of the recipients');
  }
  if (new Set(data.recipientIds).size !== data.recipientIds.length) {
    throw new ReceiptError('VALIDATION_FAILED', 'Recipient ids must be unique');
  }
  return [{ type: 'message_sent', data: { ...data, recipientIds: [...data.recipientIds] } }];
};

const sameMessage = (a: MessageSent['data'], b: RegisterMessage['data']): boolean =>
  a.conversationId === b.conversationId &&
  a.senderId === b.senderId &&
  a.sequence === b.sequence &&
  Date.parse(a.sentAt) === Date.parse(b.sentAt) &&
  a.recipientIds.length === b.recipientIds.length &&
  a.recipientIds.every((r) => b.recipientIds.includes(r));
