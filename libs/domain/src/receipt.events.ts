/** Stored event type names are a contract: never rename one, add a version instead. */
export const EVENT_SCHEMA_VERSION = 1;

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

export type MessageDelivered = Event<
  'message_delivered',
  {
    conversationId: string;
    messageId: string;
    sequence: number;
    senderId: string;
    userId: string;
    deviceId: string;
    deliveredAt: string;
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
