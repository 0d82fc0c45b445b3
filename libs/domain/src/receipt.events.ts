/**
 * Stored event type names are a contract: never rename one, add a version instead. The version
 * each type is written with now; older versions are upcast when read (receipt.codec.ts).
 */
export const EVENT_SCHEMA_VERSIONS = {
  message_sent: 1,
  /** 2: one event per ACK and conversation, listing the messages it covers (1: one per message). */
  message_delivered: 2,
  conversation_read: 1,
  read_receipts_changed: 1,
} as const;

type Event<Type extends string, Data> = Readonly<{ type: Type; data: Readonly<Data> }>;

export type MessageSent = Event<
  'message_sent',
  {
    conversationId: string;
    messageId: string;
    senderId: string;
    sequence: number;
    recipientIds: readonly string[];
    sentAt: string;
  }
>;

/** A message as a delivery names it: enough to tell its sender without looking it up. */
export type DeliveredMessage = Readonly<{ messageId: string; sequence: number; senderId: string }>;

/** One device's ACK in one conversation: the messages it newly covers, in sequence order. */
export type MessageDelivered = Event<
  'message_delivered',
  {
    conversationId: string;
    userId: string;
    deviceId: string;
    deliveredAt: string;
    messages: readonly DeliveredMessage[];
  }
>;

export type ConversationRead = Event<
  'conversation_read',
  {
    conversationId: string;
    userId: string;
    /** null when the cursor moved because the user sent a message. */
    deviceId: string | null;
    readUpToSequence: number;
    previousReadUpToSequence: number;
    /**
     * Where the cursor senders were shown stood before this read: a shared read tells senders
     * about every message between it and `readUpToSequence`, including those read while hidden.
     */
    previousSharedReadUpToSequence: number;
    /** false when the reader had read receipts turned off: senders must never see this step. */
    receiptsShared: boolean;
    readAt: string;
  }
>;

export type ReadReceiptsChanged = Event<
  'read_receipts_changed',
  { userId: string; enabled: boolean; changedAt: string }
>;

export type ConversationEvent = MessageSent;
export type ReceiptEvent = MessageDelivered | ConversationRead;
export type UserEvent = ReadReceiptsChanged;
export type DomainEvent = ConversationEvent | ReceiptEvent | UserEvent;
export type DomainEventType = DomainEvent['type'];

export const schemaVersionOf = (type: DomainEventType): number => EVENT_SCHEMA_VERSIONS[type];
