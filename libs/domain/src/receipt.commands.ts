type Command<Type extends string, Data> = Readonly<{
  type: Type;
  data: Readonly<Data>;
  /** Time comes in with the command so that decisions stay deterministic. */
  metadata: Readonly<{ now: string }>;
}>;

export type RegisterMessage = Command<
  'RegisterMessage',
  {
    conversationId: string;
    messageId: string;
    senderId: string;
    sequence: number;
    recipientIds: readonly string[];
    sentAt: string;
  }
>;

export type AcknowledgeDelivery = Command<
  'AcknowledgeDelivery',
  { conversationId: string; userId: string; deviceId: string; messageIds: readonly string[] }
>;

export type AcknowledgeDeliveryUpTo = Command<
  'AcknowledgeDeliveryUpTo',
  { conversationId: string; userId: string; deviceId: string; upToSequence: number }
>;

export type MarkConversationRead = Command<
  'MarkConversationRead',
  { conversationId: string; userId: string; deviceId: string | null; upToSequence: number }
>;

export type SetReadReceipts = Command<'SetReadReceipts', { userId: string; enabled: boolean }>;

export type ReceiptCommand = AcknowledgeDelivery | AcknowledgeDeliveryUpTo | MarkConversationRead;
