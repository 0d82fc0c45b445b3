import type {
  AcknowledgeDelivery,
  AcknowledgeDeliveryUpTo,
  ConversationRead,
  MarkConversationRead,
  MessageDelivered,
  MessageSent,
  ReadReceiptsChanged,
  RegisterMessage,
  SetReadReceipts,
} from '@receipts/domain';

/**
 * Tiny builders with readable defaults: conversation `c1`, `alice` sends to `bob` and `carol`,
 * message ids follow sequences (`m3` has sequence 3), and every command happens at `now`.
 */
export const now = '2024-05-01T12:00:00.000Z';
export const later = '2024-05-01T12:05:00.000Z';
export const conversationId = 'c1';

type Overrides<T extends { data: unknown }> = Partial<T['data']>;

const idFor = (sequence: number): string => `m${sequence}`;

export const messageSent = (overrides: Overrides<MessageSent> = {}): MessageSent => {
  const sequence = overrides.sequence ?? 1;
  return {
    type: 'message_sent',
    data: {
      conversationId,
      messageId: idFor(sequence),
      senderId: 'alice',
      sequence,
      recipientIds: ['bob', 'carol'],
      sentAt: now,
      ...overrides,
    },
  };
};

/** A delivery of `sequences` (or of the one `sequence`) to bob from his phone, sent by alice. */
export const messageDelivered = ({
  sequence = 1,
  sequences = [sequence],
  senderId = 'alice',
  ...overrides
}: Overrides<MessageDelivered> & {
  sequence?: number;
  sequences?: readonly number[];
  senderId?: string;
} = {}): MessageDelivered => ({
  type: 'message_delivered',
  data: {
    conversationId,
    userId: 'bob',
    deviceId: 'phone',
    deliveredAt: now,
    messages: sequences.map((s) => ({ messageId: idFor(s), sequence: s, senderId })),
    ...overrides,
  },
});

export const conversationRead = (
  overrides: Overrides<ConversationRead> = {},
): ConversationRead => ({
  type: 'conversation_read',
  data: {
    conversationId,
    userId: 'bob',
    deviceId: 'phone',
    readUpToSequence: 1,
    previousReadUpToSequence: 0,
    previousSharedReadUpToSequence: 0,
    receiptsShared: true,
    readAt: now,
    ...overrides,
  },
});

export const readReceiptsChanged = (
  overrides: Overrides<ReadReceiptsChanged> = {},
): ReadReceiptsChanged => ({
  type: 'read_receipts_changed',
  data: { userId: 'bob', enabled: false, changedAt: now, ...overrides },
});

export const registerMessage = (overrides: Overrides<RegisterMessage> = {}): RegisterMessage => ({
  type: 'RegisterMessage',
  data: messageSent(overrides).data,
  metadata: { now },
});

export const acknowledgeDelivery = (
  overrides: Overrides<AcknowledgeDelivery> = {},
): AcknowledgeDelivery => ({
  type: 'AcknowledgeDelivery',
  data: { conversationId, userId: 'bob', deviceId: 'phone', messageIds: [idFor(1)], ...overrides },
  metadata: { now },
});

export const acknowledgeDeliveryUpTo = (
  overrides: Overrides<AcknowledgeDeliveryUpTo> = {},
): AcknowledgeDeliveryUpTo => ({
  type: 'AcknowledgeDeliveryUpTo',
  data: { conversationId, userId: 'bob', deviceId: 'phone', upToSequence: 1, ...overrides },
  metadata: { now },
});

export const markConversationRead = (
  overrides: Overrides<MarkConversationRead> = {},
): MarkConversationRead => ({
  type: 'MarkConversationRead',
  data: { conversationId, userId: 'bob', deviceId: 'phone', upToSequence: 1, ...overrides },
  metadata: { now },
});

export const setReadReceipts = (overrides: Overrides<SetReadReceipts> = {}): SetReadReceipts => ({
  type: 'SetReadReceipts',
  data: { userId: 'bob', enabled: false, ...overrides },
  metadata: { now },
});
