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
    throw new ReceiptError('NOT_YET_REGISTERED', 'These messages are not registered (yet)', {
      unknown,
    });
  }
  const known = messages as RegisteredMessage[];
  const foreign = known.filter((m) => !m.recipientIds.includes(data.userId));
  if (foreign.length > 0) {
    throw new ReceiptError('NOT_A_RECIPIENT', 'The user is not a recipient of these messages', {
      messageIds: foreign.map((m) => m.messageId),
    });
  }
  const covered = known
    .filter((m) => statusOf(receipts, m.sequence) === 'sent')
    .sort((a, b) => a.sequence - b.sequence);
  return delivered(covered, data, metadata.now);
};

const acknowledgeDeliveryUpTo = (
  { data, metadata }: AcknowledgeDeliveryUpTo,
  { conversation, receipts }: ReceiptContext,
): MessageDelivered[] => {
  requireMemberWithinRange(conversation, data);
  const covered = messagesBetween(conversation, receipts.readUpTo, data.upToSequence).filter(
    (m) => m.recipientIds.includes(data.userId) && statusOf(receipts, m.sequence) === 'sent',
  );
  return delivered(covered, data, metadata.now);
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
        previousSharedReadUpToSequence: receipts.sharedReadUpTo,
        receiptsShared: readReceiptsEnabled,
        readAt: metadata.now,
      },
    },
  ];
};

/** One event for the whole ACK, however many messages it newly covers; none when it covers none. */
const delivered = (
  covered: readonly RegisteredMessage[],
  ack: Readonly<{ conversationId: string; userId: string; deviceId: string }>,
  now: string,
): MessageDelivered[] =>
  covered.length === 0
    ? []
    : [
        {
          type: 'message_delivered',
          data: {
            conversationId: ack.conversationId,
            userId: ack.userId,
            deviceId: ack.deviceId,
            deliveredAt: now,
            messages: covered.map(({ messageId, sequence, senderId }) => ({
              messageId,
              sequence,
              senderId,
            })),
          },
        },
      ];

/**
 * Devices may ACK what the chat server has not registered with us yet (a race every deployment
 * has), so what is missing is retryable. Membership comes from registrations too, and a
 * non-member gets the same answer whether or not the conversation exists.
 */
const notYetRegistered = (details?: Readonly<Record<string, unknown>>): ReceiptError =>
  new ReceiptError(
    'NOT_YET_REGISTERED',
    'Nothing is registered for this user in this conversation up to here (yet)',
    details,
  );

const requireMember = (
  conversation: ConversationState,
  data: Readonly<{ userId: string }>,
): void => {
  if (messageCount(conversation) === 0 || !isMember(conversation, data.userId)) {
    throw notYetRegistered();
  }
};

const requireMemberWithinRange = (
  conversation: ConversationState,
  data: Readonly<{ userId: string; upToSequence: number }>,
): void => {
  requireMember(conversation, data);
  const last = lastSequence(conversation);
  if (data.upToSequence > last) {
    throw notYetRegistered({ upToSequence: data.upToSequence, lastSequence: last });
  }
};
