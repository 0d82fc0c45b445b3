import type {
  AckResult,
  MessageSummaryPayload,
  FeedUpdate,
  RegistrationResult,
} from '@receipts/contracts';

/** A push before the relay numbers it in its user's feed. */
export type Unnumbered = FeedUpdate extends infer U
  ? U extends FeedUpdate
    ? Omit<U, 'position'>
    : never
  : never;

/**
 * The bare relay's memory: registered messages, who has them delivered, and read cursors, with
 * the counts a group summary needs. No validation beyond what answering needs, no storage: the
 * least work that still answers every ACK and tells every sender what the service would.
 */
type Message = {
  id: string;
  sequence: number;
  senderId: string;
  recipients: Set<string>;
  deliveredCount: number;
  readCount: number;
};
type Conversation = {
  byId: Map<string, Message>;
  bySequence: Message[];
  delivered: Set<string>;
  cursors: Map<string, number>;
};

export type Registration = {
  conversationId: string;
  messageId: string;
  senderId: string;
  sequence: number;
  recipientIds: string[];
};

/** An ACK's answer and the pushes it causes, by the user whose devices should get them. */
export type Outcome = { result: AckResult; pushes: Array<[userId: string, Unnumbered]> };

const UNKNOWN: Outcome = {
  result: {
    ok: false,
    error: { code: 'UNKNOWN_CONVERSATION', message: 'unknown', retryable: false },
  },
  pushes: [],
};

const summaryOf = (m: Message): MessageSummaryPayload | undefined => {
  const total = m.recipients.size;
  if (total < 2) return undefined;
  const status = m.readCount === total ? 'read' : m.deliveredCount === total ? 'delivered' : 'sent';
  const { id: messageId, sequence, deliveredCount, readCount } = m;
  return { messageId, sequence, totalRecipients: total, deliveredCount, readCount, status };
};

export class RelayState {
  private readonly conversations = new Map<string, Conversation>();

  register(m: Registration): RegistrationResult {
    const c = this.conversation(m.conversationId);
    if (!c.byId.has(m.messageId)) {
      const message: Message = {
        id: m.messageId,
        sequence: m.sequence,
        senderId: m.senderId,
        recipients: new Set(m.recipientIds),
        deliveredCount: 0,
        readCount: 0,
      };
      c.byId.set(m.messageId, message);
      c.bySequence.push(message);
      c.cursors.set(m.senderId, Math.max(c.cursors.get(m.senderId) ?? 0, m.sequence));
    }
    return { conversationId: m.conversationId, messageId: m.messageId, status: 'registered' };
  }

  /** A delivered ACK: by ids, or cumulative up to a sequence. */
  delivered(userId: string, conversationId: string, ack: string[] | number): Outcome {
    const c = this.conversations.get(conversationId);
    if (!c) return UNKNOWN;
    const cursor = c.cursors.get(userId) ?? 0;
    const candidates =
      typeof ack === 'number'
        ? between(c, cursor, ack).filter((m) => m.recipients.has(userId))
        : ack.map((id) => c.byId.get(id)).filter((m): m is Message => m !== undefined);
    const deliveredAt = new Date().toISOString();
    const pushes: Outcome['pushes'] = [];
    for (const m of candidates) {
      const key = `${m.sequence}|${userId}`;
      if (m.sequence <= cursor || c.delivered.has(key)) continue;
      c.delivered.add(key);
      m.deliveredCount++;
      const summary = summaryOf(m);
      pushes.push([
        m.senderId,
        {
          type: 'delivered',
          conversationId,
          messageId: m.id,
          sequence: m.sequence,
          recipientId: userId,
          deliveredAt,
          ...(summary ? { summary } : {}),
        },
      ]);
    }
    const applied = pushes.length;
    const duplicates = typeof ack === 'number' ? (applied === 0 ? 1 : 0) : ack.length - applied;
    return { result: { ok: true, applied, duplicates }, pushes };
  }

  /** A read cursor: one `read` update per sender of the messages it covers. */
  read(userId: string, conversationId: string, upTo: number): Outcome {
    const c = this.conversations.get(conversationId);
    if (!c) return UNKNOWN;
    const cursor = c.cursors.get(userId) ?? 0;
    if (upTo <= cursor) return { result: { ok: true, applied: 0, duplicates: 1 }, pushes: [] };
    c.cursors.set(userId, upTo);
    const bySender = new Map<string, Array<{ messageId: string; sequence: number }>>();
    for (const m of between(c, cursor, upTo)) {
      if (m.senderId === userId || !m.recipients.has(userId)) continue;
      if (!c.delivered.has(`${m.sequence}|${userId}`)) m.deliveredCount++;
      m.readCount++;
      const covered = bySender.get(m.senderId) ?? [];
      bySender.set(m.senderId, covered);
      const summary = summaryOf(m);
      covered.push({ messageId: m.id, sequence: m.sequence, ...(summary ? { summary } : {}) });
    }
    const readAt = new Date().toISOString();
    const pushes: Outcome['pushes'] = [...bySender].map(([senderId, messages]) => [
      senderId,
      { type: 'read', conversationId, readerId: userId, readUpToSequence: upTo, readAt, messages },
    ]);
    return { result: { ok: true, applied: 1, duplicates: 0 }, pushes };
  }

  private conversation(id: string): Conversation {
    let found = this.conversations.get(id);
    if (!found) {
      found = { byId: new Map(), bySequence: [], delivered: new Set(), cursors: new Map() };
      this.conversations.set(id, found);
    }
    return found;
  }
}

/** Messages with from < sequence <= to (registrations arrive in sequence order per conversation). */
const between = (c: Conversation, from: number, to: number): Message[] =>
  c.bySequence.filter((m) => m.sequence > from && m.sequence <= to);
