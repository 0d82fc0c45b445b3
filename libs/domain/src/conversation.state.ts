import type { MessageSent } from './receipt.events';

export type RegisteredMessage = MessageSent['data'];

/** What the write side knows of a conversation: its messages in sequence order and its members. */
export type ConversationState = Readonly<{
  messages: readonly RegisteredMessage[];
  byId: ReadonlyMap<string, RegisteredMessage>;
  members: ReadonlySet<string>;
}>;

export const emptyConversation = (): ConversationState => ({
  messages: [],
  byId: new Map(),
  members: new Set(),
});

export const lastSequence = (state: ConversationState): number =>
  state.messages.at(-1)?.sequence ?? 0;

/** Index of the first message whose sequence is >= `sequence` (binary search). */
const lowerBound = (messages: readonly RegisteredMessage[], sequence: number): number => {
  let low = 0;
  let high = messages.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (messages[mid]!.sequence < sequence) low = mid + 1;
    else high = mid;
  }
  return low;
};

export const messageAt = (
  state: ConversationState,
  sequence: number,
): RegisteredMessage | undefined => {
  const candidate = state.messages[lowerBound(state.messages, sequence)];
  return candidate?.sequence === sequence ? candidate : undefined;
};

export const findMessage = (
  state: ConversationState,
  messageId: string,
): RegisteredMessage | undefined => state.byId.get(messageId);

/** Messages with fromExclusive < sequence <= toInclusive, in order. */
export const messagesBetween = (
  state: ConversationState,
  fromExclusive: number,
  toInclusive: number,
): readonly RegisteredMessage[] =>
  state.messages.slice(
    lowerBound(state.messages, fromExclusive + 1),
    lowerBound(state.messages, toInclusive + 1),
  );

export const evolveConversation = (
  state: ConversationState,
  event: MessageSent,
): ConversationState => foldConversation(state, [event]);

/** Applies many events with one copy of the state, not one per event; the input is not modified. */
export const foldConversation = (
  state: ConversationState,
  events: readonly MessageSent[],
): ConversationState => {
  if (events.length === 0) return state;
  const messages = [...state.messages];
  const byId = new Map(state.byId);
  const members = new Set(state.members);
  for (const { data: message } of events) {
    if (message.sequence > (messages.at(-1)?.sequence ?? 0)) messages.push(message);
    else messages.splice(lowerBound(messages, message.sequence), 0, message);
    byId.set(message.messageId, message);
    members.add(message.senderId);
    for (const recipient of message.recipientIds) members.add(recipient);
  }
  return { messages, byId, members };
};
