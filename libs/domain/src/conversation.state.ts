import type { MessageSent } from './receipt.events';

export type RegisteredMessage = MessageSent['data'];

/**
 * The messages of a conversation in sequence order, in a buffer that states folded one from
 * another share: appending to the newest state adds to the buffer in place, so registering a
 * message costs O(1), not a copy of the conversation's history. Each state sees only its first
 * `count` messages, so an older state never sees what was appended after it.
 */
type Timeline = {
  readonly messages: RegisteredMessage[];
  /** Message id -> its index in `messages`. */
  readonly indexById: Map<string, number>;
  /** Member -> index of the first message that made them one. */
  readonly joinedAt: Map<string, number>;
  /** Each sender's last recipient list, shared by their messages while it does not change. */
  readonly recipientsBySender: Map<string, readonly string[]>;
};

/** What the write side knows of a conversation: its messages in sequence order and its members. */
export type ConversationState = Readonly<{
  timeline: Timeline;
  count: number;
  members: number;
  /** Recipient ids held by the distinct recipient lists of the messages (their memory cost). */
  recipientEntries: number;
}>;

export const emptyConversation = (): ConversationState => ({
  timeline: {
    messages: [],
    indexById: new Map(),
    joinedAt: new Map(),
    recipientsBySender: new Map(),
  },
  count: 0,
  members: 0,
  recipientEntries: 0,
});

export const messageCount = (state: ConversationState): number => state.count;

export const memberCount = (state: ConversationState): number => state.members;

export const isMember = (state: ConversationState, userId: string): boolean =>
  (state.timeline.joinedAt.get(userId) ?? Number.POSITIVE_INFINITY) < state.count;

export const lastSequence = (state: ConversationState): number =>
  state.count === 0 ? 0 : state.timeline.messages[state.count - 1]!.sequence;

/** The members of the state, in the order they joined. */
export const membersOf = (state: ConversationState): string[] =>
  [...state.timeline.joinedAt].filter(([, at]) => at < state.count).map(([userId]) => userId);

/** The messages of the state in sequence order (a copy). */
export const messagesOf = (state: ConversationState): RegisteredMessage[] =>
  state.timeline.messages.slice(0, state.count);

/** Index of the first message whose sequence is >= `sequence` (binary search). */
const lowerBound = (state: ConversationState, sequence: number): number => {
  const { messages } = state.timeline;
  let low = 0;
  let high = state.count;
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
  const index = lowerBound(state, sequence);
  const candidate = index < state.count ? state.timeline.messages[index] : undefined;
  return candidate?.sequence === sequence ? candidate : undefined;
};

export const findMessage = (
  state: ConversationState,
  messageId: string,
): RegisteredMessage | undefined => {
  const index = state.timeline.indexById.get(messageId);
  return index !== undefined && index < state.count ? state.timeline.messages[index] : undefined;
};

/** Messages with fromExclusive < sequence <= toInclusive, in order. */
export const messagesBetween = (
  state: ConversationState,
  fromExclusive: number,
  toInclusive: number,
): readonly RegisteredMessage[] =>
  state.timeline.messages.slice(
    lowerBound(state, fromExclusive + 1),
    lowerBound(state, toInclusive + 1),
  );

/**
 * A rough size of the state in bytes, for cache bounds: a message with its ids and time, plus
 * the recipient ids of the distinct lists and the member and id indexes.
 */
export const approximateBytes = (state: ConversationState): number =>
  state.count * 240 + state.recipientEntries * 8 + state.members * 80;

export const evolveConversation = (
  state: ConversationState,
  event: MessageSent,
): ConversationState => foldConversation(state, [event]);

/**
 * Applies events to the state. The states folded before keep answering as they did: the
 * shared buffer is appended to only from its newest state and only in sequence order; anything
 * else (folding an older state again, a message registered out of order) folds into a copy.
 */
export const foldConversation = (
  state: ConversationState,
  events: readonly MessageSent[],
): ConversationState => {
  if (events.length === 0) return state;
  const appendsInPlace =
    state.count === state.timeline.messages.length && inOrderAfter(lastSequence(state), events);
  let folded = appendsInPlace ? state : copyOf(state);
  for (const { data } of events) folded = insert(folded, data);
  return folded;
};

const inOrderAfter = (last: number, events: readonly MessageSent[]): boolean =>
  events.every(({ data }, i) => data.sequence > (i === 0 ? last : events[i - 1]!.data.sequence));

const copyOf = (state: ConversationState): ConversationState => {
  let copy = emptyConversation();
  for (const message of messagesOf(state)) copy = insert(copy, message);
  return copy;
};

/** Adds one message to the state's buffer, which the caller made sure it may write to. */
const insert = (state: ConversationState, message: RegisteredMessage): ConversationState => {
  const { timeline } = state;
  const recipientIds = sharedRecipients(timeline, message);
  const stored = { ...message, recipientIds };
  const at = lowerBound(state, message.sequence);
  if (at === state.count) {
    timeline.messages.push(stored);
    timeline.indexById.set(message.messageId, at);
  } else {
    timeline.messages.splice(at, 0, stored);
    for (let i = at; i <= state.count; i++) {
      timeline.indexById.set(timeline.messages[i]!.messageId, i);
    }
    for (const [member, joined] of timeline.joinedAt) {
      if (joined >= at) timeline.joinedAt.set(member, joined + 1);
    }
  }
  let members = state.members;
  for (const userId of [message.senderId, ...message.recipientIds]) {
    const joined = timeline.joinedAt.get(userId);
    if (joined === undefined) members++;
    if (joined === undefined || joined > at) timeline.joinedAt.set(userId, at);
  }
  const recipientEntries =
    state.recipientEntries + (recipientIds === message.recipientIds ? recipientIds.length : 0);
  return { timeline, count: state.count + 1, members, recipientEntries };
};

const sharedRecipients = (timeline: Timeline, message: RegisteredMessage): readonly string[] => {
  const last = timeline.recipientsBySender.get(message.senderId);
  if (last && sameIds(last, message.recipientIds)) return last;
  timeline.recipientsBySender.set(message.senderId, message.recipientIds);
  return message.recipientIds;
};

const sameIds = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && a.every((id, i) => id === b[i]);
