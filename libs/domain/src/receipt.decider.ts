import {
  type ConversationState,
  type RegisteredMessage,
  findMessage,
  isMember,
  lastSequence,
  messageCount,
  messagesBetween,
} from './conversation.state';
import type {
  AcknowledgeDelivery,
  AcknowledgeDeliveryUpTo,
  MarkConversationRead,
  ReceiptCommand,
} from './receipt.commands';
import { ReceiptError } from './receipt.errors';
import type { ConversationRead, MessageDelivered, ReceiptEvent } from './receipt.events';
import { type ReceiptState, statusOf } from './receipt.state';

/** Everything one receipt decision may look at. */
export type ReceiptContext = Readonly<{
  conversation: ConversationState;
  receipts: ReceiptState;
  readReceiptsEnabled: boolean;
}>;

/** A duplicate or stale ACK decides no events; it never throws. */
export const decideReceipt = (command: ReceiptCommand, context: ReceiptContext): ReceiptEvent[] => {
  switch (command.type) {
    case 'AcknowledgeDelivery':
      return acknowledgeDelivery(command, context);
    case 'AcknowledgeDeliveryUpTo':
      return acknowledgeDeliveryUpTo(command, context);
    case 'MarkConversationRead':
      return markConversationRead(command, context);
    default: {
      const unexpected: never = command;
      return unexpected;
    }
  }
};

const acknowledgeDelivery = (
  { data, metadata }: AcknowledgeDelivery,
  { conversation, receipts }: ReceiptContext,
): MessageDelivered[] => {
  requireMember(conversation, data);
  const ids = [...new Set(data.messageIds)];
  const messages = ids.map((id) => findMessage(conversation, id));
  const unknown = ids.filter((_, i) => messages[i] === undefined);
  if (unknown.length > 0) {
    throw new ReceiptError('UNKNOWN_MESSAGE', 'No such message in this conversation', { unknown });
  }
  const known = messages as RegisteredMessage[];
  const foreign = known.filter((m) => !m.recipientIds.includes(data.userId));
  if (foreign.length > 0) {
    throw new ReceiptError('NOT_A_RECIPIENT', 'The user is not a recipient of these messages', {
      messageIds: foreign.map((m) => m.messageId),
    });
  }
  return known
    .filter((m) => statusOf(receipts, m.sequence) === 'sent')
    .sort((a, b) => a.sequence - b.sequence)
    .map((m) => delivered(m, data.userId, data.deviceId, metadata.now));
};

const acknowledgeDeliveryUpTo = (
  { data, metadata }: AcknowledgeDeliveryUpTo,
  { conversation, receipts }: ReceiptContext,
): MessageDelivered[] => {
  requireMemberWithinRange(conversation, data);
  return messagesBetween(conversation, receipts.readUpTo, data.upToSequence)
    .filter((m) => m.recipientIds.includes(data.userId))
    .filter((m) => statusOf(receipts, m.sequence) === 'sent')
    .map((m) => delivered(m, data.userId, data.deviceId, metadata.now));
};

const markConversationRead = (
  { data, metadata }: MarkConversationRead,
  { conversation, receipts, readReceiptsEnabled }: ReceiptContext,
): ConversationRead[] => {
  requireMemberWithinRange(conversation, data);
  if (data.upToSequence <= receipts.readUpTo) return [];
  return [
    {
      type: 'conversation_read',
      data: {
        conversationId: data.conversationId,
        userId: data.userId,
        deviceId: data.deviceId,
        readUpToSequence: data.upToSequence,
        previousReadUpToSequence: receipts.readUpTo,
        receiptsShared: readReceiptsEnabled,
        readAt: metadata.now,
      },
    },
  ];
};

const delivered = (
  message: RegisteredMessage,
  userId: string,
  deviceId: string,
  now: string,
): MessageDelivered => ({
  type: 'message_delivered',
  data: {
    conversationId: message.conversationId,
    messageId: message.messageId,
    sequence: message.sequence,
    senderId: message.senderId,
    userId,
    deviceId,
    deliveredAt: now,
  },
});

const requireConversation = (conversation: ConversationState, conversationId: string): void => {
  if (messageCount(conversation) === 0) {
    throw new ReceiptError(
      'UNKNOWN_CONVERSATION',
      'No message was registered in this conversation',
      {
        conversationId,
      },
    );
  }
};

const requireMember = (
  conversation: ConversationState,
  data: Readonly<{ conversationId: string; userId: string }>,
): void => {
  requireConversation(conversation, data.conversationId);
  if (!isMember(conversation, data.userId)) {
    throw new ReceiptError('NOT_A_MEMBER', 'The user does not belong to this conversation');
  }
};

const requireMemberWithinRange = (
  conversation: ConversationState,
  data: Readonly<{ conversationId: string; userId: string; upToSequence: number }>,
): void => {
  requireMember(conversation, data);
  const last = lastSequence(conversation);
  if (data.upToSequence > last) {
    throw new ReceiptError(
      'SEQUENCE_OUT_OF_RANGE',
      'The sequence is beyond the last registered message',
      {
        upToSequence: data.upToSequence,
        lastSequence: last,
      },
    );
  }
};
