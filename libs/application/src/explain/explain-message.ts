import {
  type ConversationRead,
  type DomainEvent,
  type MessageSent,
  ReceiptError,
  conversationStream,
  decodeEvent,
  isDomainEventType,
  receiptsStream,
} from '@receipts/domain';
import type { EventStore, RecordedEvent } from '@receipts/event-store';
import { type RecipientReceipt, recipientReceipt } from '@receipts/read-models';
import type { ReadStore } from '@receipts/read-store';

/** One recorded event behind a recipient's state, and what it did to this message. */
export type EventBehind = Readonly<{
  position: string;
  stream: string;
  revision: string;
  type: string;
  recordedAt: string;
  deviceId: string | null;
  at: string;
  effect: string;
}>;

export type MessageExplanation = Readonly<{
  message: MessageSent['data'] & Readonly<{ position: string }>;
  /** Whether the read models hold the message (false: not projected yet, or drifted). */
  inReadModels: boolean;
  recipients: readonly Readonly<{
    userId: string;
    /** The state the sender's detail view shows, from the read models (null: no row there). */
    shown: RecipientReceipt | null;
    events: readonly EventBehind[];
  }>[];
}>;

/**
 * The events behind each recipient's state of one message, read from the log (the truth) beside
 * what the read models show: the delivered ACK that covered it, the read that moved the cursor
 * past it, and, for a read made with receipts off, the shared read that later showed it.
 */
export const explainMessage = async (
  events: EventStore,
  reads: ReadStore,
  conversationId: string,
  messageId: string,
): Promise<MessageExplanation> => {
  const sent = (await decoded(events, conversationStream(conversationId))).find(
    ({ event }) => event.type === 'message_sent' && event.data.messageId === messageId,
  );
  if (!sent || sent.event.type !== 'message_sent') {
    throw new ReceiptError('UNKNOWN_MESSAGE', `No message ${messageId} in ${conversationId}`);
  }
  const message = sent.event.data;
  const facts = await reads.recipientFacts(conversationId, message.sequence);
  const recipients = await Promise.all(
    message.recipientIds.map(async (userId) => {
      const stream = await decoded(events, receiptsStream(conversationId, userId));
      const fact = facts.find((f) => f.userId === userId);
      return {
        userId,
        shown: fact ? recipientReceipt(fact) : null,
        events: stream.flatMap(({ recorded, event }) => {
          const effect = effectOn(event, message.sequence);
          return effect === null ? [] : [behind(recorded, event, effect)];
        }),
      };
    }),
  );
  return {
    message: { ...message, position: String(sent.recorded.position) },
    inReadModels: (await reads.findMessage(conversationId, messageId)) !== null,
    recipients,
  };
};

const decoded = async (
  events: EventStore,
  stream: string,
): Promise<{ recorded: RecordedEvent; event: DomainEvent }[]> =>
  (await events.readStream(stream)).flatMap((recorded) =>
    isDomainEventType(recorded.type)
      ? [
          {
            recorded,
            event: decodeEvent(recorded.type, recorded.metadata.schemaVersion, recorded.data),
          },
        ]
      : [],
  );

/** What an event of the recipient's stream did to the message at `sequence`, if anything. */
const effectOn = (event: DomainEvent, sequence: number): string | null => {
  switch (event.type) {
    case 'message_delivered':
      return event.data.messages.some((m) => m.sequence === sequence)
        ? 'delivered: a delivered ACK covering it'
        : null;
    case 'conversation_read':
      return readEffect(event.data, sequence);
    default:
      return null;
  }
};

const readEffect = (read: ConversationRead['data'], sequence: number): string | null => {
  const movedPast = read.previousReadUpToSequence < sequence && read.readUpToSequence >= sequence;
  const sharedPast =
    read.receiptsShared &&
    read.previousSharedReadUpToSequence < sequence &&
    read.readUpToSequence >= sequence;
  if (movedPast && read.receiptsShared)
    return 'read: the cursor moved past it, shown to the sender';
  if (movedPast) return 'read with receipts off: shown to the sender only as delivered';
  if (sharedPast) return 'read shared later: a shared read covering it shows it as read';
  return null;
};

const behind = (recorded: RecordedEvent, event: DomainEvent, effect: string): EventBehind => ({
  position: String(recorded.position),
  stream: recorded.stream,
  revision: String(recorded.revision),
  type: recorded.type,
  recordedAt: recorded.recordedAt.toISOString(),
  deviceId:
    event.type === 'message_delivered' || event.type === 'conversation_read'
      ? event.data.deviceId
      : null,
  at:
    event.type === 'message_delivered'
      ? event.data.deliveredAt
      : event.type === 'conversation_read'
        ? event.data.readAt
        : recorded.recordedAt.toISOString(),
  effect,
});
