import type { AddressedMessage, MessageDocument } from '../message-receipts.read-model';
import {
  type ReadCursorDocument,
  emptyCursor,
  messageArrived,
  moveCursor,
} from '../read-cursors.read-model';
import type { ReadModelChange } from '../read-model.changes';
import {
  type CoveredKey,
  type MessageCounts,
  type ReadDocuments,
  type ReadKeys,
  type RecipientRow,
  type StepRow,
  type StoredDocuments,
  cursorKeyOf,
  idKeyOf,
  recipientKeyOf,
  slotKeyOf,
} from './documents';
import type { ProjectedBatch, ReceiptDelta } from './receipt-deltas';

/** Most messages one read tells senders about; a client that needs more asks the REST API. */
export const MAX_COVERED_PER_READ = 200;

/** The documents loaded for `documentKeys`, before the reads' own lookups. */
export type BaseDocuments = Omit<StoredDocuments, keyof ReadDocuments>;

/**
 * The read models' rules, written once: folds a batch of changes over the stored documents it
 * touches into the documents to write and the deltas (what changed for whom). Adapters load and
 * write; none decides anything. Two passes over the same fold: the first, on the documents named
 * by `documentKeys`, says what the reads need besides (`readKeys`); the second projects.
 */
export const readKeys = (base: BaseDocuments, changes: readonly ReadModelChange[]): ReadKeys =>
  new BatchFold(base, null).fold(changes).readKeys();

export const projectBatch = (
  stored: StoredDocuments,
  changes: readonly ReadModelChange[],
): ProjectedBatch => new BatchFold(stored, stored).fold(changes).result();

type Change<K extends ReadModelChange['kind']> = Extract<ReadModelChange, { kind: K }>;
type CursorEntry = {
  readonly before: ReadCursorDocument;
  after: ReadCursorDocument;
  readonly settled: boolean;
};
type Registered = Readonly<{ message: MessageDocument; recipients: ReadonlySet<string> }>;
/** A message's counts as the batch moves them. */
type CountsEntry = { message: MessageDocument; counts: MessageCounts };
/** A read that moved a cursor: its unread count is the reader's messages above it, then. */
type UnreadStep = Readonly<{ conversationId: string; userId: string; above: number }>;

class BatchFold {
  private readonly messagesBySlot = new Map<string, MessageDocument>();
  private readonly messagesById = new Map<string, MessageDocument>();
  private readonly recipients = new Map<string, RecipientRow>();
  private readonly cursors = new Map<string, CursorEntry>();
  private readonly storedTotals = new Map<string, number>();
  private readonly settledCursors: ReadonlySet<string>;
  private readonly settledTotals: ReadonlySet<string>;
  private readonly storedCounts = new Map<string, MessageCounts>();
  private readonly settledCounts: ReadonlySet<string>;
  /** Counts the batch moved, in the order it first moved each. */
  private readonly counts = new Map<string, CountsEntry>();
  /** This batch's registrations, per conversation: the store cannot count them yet. */
  private readonly registered = new Map<string, Registered[]>();

  private readonly newMessages: MessageDocument[] = [];
  private readonly newRecipients: RecipientRow[] = [];
  private readonly deliveries = new Map<string, RecipientRow>();
  private readonly steps: StepRow[] = [];
  private readonly deltas: ReceiptDelta[] = [];
  private readonly covered: CoveredKey[] = [];
  private readonly unreadSteps: UnreadStep[] = [];
  /** Per user: how far the batch moved the sum of their cursors' unread counts so far. */
  private readonly unreadMoved = new Map<string, number>();
  private readonly planning: boolean;

  constructor(
    stored: BaseDocuments,
    private readonly reads: ReadDocuments | null,
  ) {
    this.planning = reads === null;
    for (const message of stored.messages) this.remember(message);
    for (const row of stored.recipients) this.recipients.set(recipientKeyOf(row), row);
    for (const total of stored.totals) this.storedTotals.set(total.userId, total.total);
    this.settledCursors = new Set(stored.settled?.cursors.map(cursorKeyOf));
    this.settledTotals = new Set(stored.settled?.totals);
    this.settledCounts = new Set(stored.settled?.counts?.map(slotKeyOf));
    for (const c of [...stored.counts, ...(reads?.coveredCounts ?? [])])
      this.storedCounts.set(slotKeyOf(c), c);
    for (const cursor of stored.cursors) this.track(cursorKeyOf(cursor), cursor);
  }

  fold(changes: readonly ReadModelChange[]): this {
    changes.forEach((change, index) => {
      switch (change.kind) {
        case 'message_registered':
          return this.register(change);
        case 'message_delivered':
          return this.deliver(change);
        case 'cursor_moved':
          return this.move(change, index);
        default: {
          const unexpected: never = change;
          return unexpected;
        }
      }
    });
    return this;
  }

  readKeys(): ReadKeys {
    return {
      covered: this.covered,
      unreadAbove: this.unreadSteps.map(({ conversationId, userId, above }) => ({
        conversationId,
        userId,
        above,
        excluding: this.registeredAbove(conversationId, userId, above).map(
          ({ message }) => message.sequence,
        ),
      })),
    };
  }

  result(): ProjectedBatch {
    const changedCursors = [...this.cursors.values()].filter(
      (entry) => !entry.settled && !sameCursor(entry.before, entry.after),
    );
    return {
      writes: {
        messages: this.newMessages,
        recipients: this.newRecipients,
        deliveries: [...this.deliveries.values()],
        steps: this.steps,
        cursors: changedCursors.map((entry) => entry.after),
        totals: [...this.unreadMoved]
          .filter(([, moved]) => moved !== 0)
          .map(([userId]) => ({ userId, total: this.totalOf(userId) })),
        counts: [...this.counts.values()].map((entry) => entry.counts),
      },
      deltas: [
        ...this.deltas,
        ...[...this.counts.values()].map(({ message, counts }): ReceiptDelta => ({
          kind: 'counts',
          message,
          delivered: counts.delivered,
          read: counts.read,
        })),
      ],
    };
  }

  /** A message slot or id already taken (a redelivery, or a clash) registers nothing. */
  private register(change: Change<'message_registered'>): void {
    const { conversationId, sequence, recipientIds } = change;
    if (this.messagesBySlot.has(slotKeyOf(change)) || this.messagesById.has(idKeyOf(change))) {
      return;
    }
    const message: MessageDocument = {
      conversationId,
      messageId: change.messageId,
      sequence,
      senderId: change.senderId,
      sentAt: change.sentAt,
      recipientCount: recipientIds.length,
    };
    this.remember(message);
    const recipients = new Set(recipientIds);
    insertBySequence(
      getOrCreate(this.registered, conversationId, () => []),
      { message, recipients },
    );
    // Planning (no reads yet) needs only where cursors stand and what this batch registers.
    if (this.planning) return;
    this.newMessages.push(message);
    for (const userId of recipients) {
      const row: RecipientRow = {
        conversationId,
        sequence,
        userId,
        deliveredAt: null,
        deliveredDevice: null,
      };
      this.recipients.set(recipientKeyOf(row), row);
      this.newRecipients.push(row);
      const entry = this.cursor(userId, conversationId);
      if (!entry.settled) this.setCursor(entry, messageArrived(entry.after, sequence));
      // Registered late, below where the recipient has read already: read then, counted now.
      if (entry.after.readUpTo >= sequence) this.count(message, 'delivered');
      if (entry.after.sharedReadUpTo >= sequence) this.count(message, 'read');
    }
    this.deltas.push({ kind: 'message_registered', message, recipientIds });
  }

  /** The first delivered ACK of a recipient's message is its delivery; later ones change nothing. */
  private deliver(change: Change<'message_delivered'>): void {
    if (this.planning) return;
    const key = recipientKeyOf(change);
    const row = this.recipients.get(key);
    const message = this.messagesBySlot.get(slotKeyOf(change));
    if (!row || row.deliveredAt !== null || !message) return;
    // A read covering the message counted it as delivered already.
    if (this.cursor(change.userId, change.conversationId).after.readUpTo < message.sequence) {
      this.count(message, 'delivered');
    }
    const delivered: RecipientRow = {
      ...row,
      deliveredAt: change.deliveredAt,
      deliveredDevice: change.deviceId,
    };
    this.recipients.set(key, delivered);
    this.deliveries.set(key, delivered);
    this.deltas.push({
      kind: 'delivered',
      message,
      recipientId: change.userId,
      deliveredAt: change.deliveredAt,
    });
  }

  /**
   * Only a read that moves the cursor is a step of its history (a stale one would misdate reads).
   * Senders learn of a shared read from the shared cursor before it, so reads hidden until now
   * show as read at this one's time; a hidden read shows as the delivery it implies.
   */
  private move(change: Change<'cursor_moved'>, index: number): void {
    const { conversationId, userId, readUpToSequence, receiptsShared } = change;
    const entry = this.cursor(userId, conversationId);
    const before = entry.after;
    if (entry.settled || readUpToSequence <= before.readUpTo) return;
    const key: CoveredKey = {
      change: index,
      conversationId,
      userId,
      fromExclusive: receiptsShared ? before.sharedReadUpTo : before.readUpTo,
      toInclusive: readUpToSequence,
    };
    this.setCursor(
      entry,
      moveCursor(before, change, (above) => this.unreadAbove(entry, above)),
    );
    if (this.planning) {
      this.covered.push(key);
      return;
    }
    this.steps.push({
      conversationId,
      userId,
      upTo: readUpToSequence,
      readAt: change.readAt,
      deviceId: change.deviceId,
      shared: receiptsShared,
    });
    const covered = this.coveredMessages(key);
    for (const { deliveredAt, ...message } of covered) {
      if (deliveredAt === null && message.sequence > before.readUpTo) {
        this.count(message, 'delivered');
      }
      if (receiptsShared) this.count(message, 'read');
    }
    // Pushes tell senders about the first messages only; the counts take them all.
    const told = covered.slice(0, MAX_COVERED_PER_READ);
    if (receiptsShared && told.length > 0) {
      this.deltas.push({
        kind: 'read',
        conversationId,
        readerId: userId,
        readUpToSequence,
        readAt: change.readAt,
        messages: told.map(({ deliveredAt: _, ...message }) => message),
      });
    } else if (!receiptsShared) {
      for (const { deliveredAt, ...message } of told) {
        if (deliveredAt !== null) continue;
        this.deltas.push({
          kind: 'delivered',
          message,
          recipientId: userId,
          deliveredAt: change.readAt,
        });
      }
    }
    this.deltas.push({
      kind: 'cursor_moved',
      deviceId: change.deviceId,
      shared: receiptsShared,
      cursor: entry.after,
      totalUnread: this.totalOf(userId),
    });
  }

  /**
   * The reader's messages above a read, as the log stands at it: the stored ones (loaded per
   * read) and those this batch registered before it. Exact at each read, so a read's unread
   * count never depends on what else its batch held.
   */
  private unreadAbove({ after: { conversationId, userId } }: CursorEntry, above: number): number {
    const stored = this.reads?.unreadAbove[this.unreadSteps.length] ?? 0;
    this.unreadSteps.push({ conversationId, userId, above });
    return stored + this.registeredAbove(conversationId, userId, above).length;
  }

  /** This batch's registrations so far addressed to the user above a sequence. */
  private registeredAbove(conversationId: string, userId: string, above: number): Registered[] {
    const all = this.registered.get(conversationId) ?? [];
    return all.slice(firstAbove(all, above)).filter(({ recipients }) => recipients.has(userId));
  }

  /** One more recipient of the message delivered (a delivery ACK or any read) or read (shared). */
  private count(message: MessageDocument, which: 'delivered' | 'read'): void {
    const key = slotKeyOf(message);
    if (this.settledCounts.has(key)) return;
    let entry = this.counts.get(key);
    if (!entry) {
      const { conversationId, sequence } = message;
      const counts = this.storedCounts.get(key) ?? {
        conversationId,
        sequence,
        delivered: 0,
        read: 0,
      };
      this.counts.set(key, (entry = { message, counts }));
    }
    entry.counts = { ...entry.counts, [which]: entry.counts[which] + 1 };
  }

  private setCursor(entry: CursorEntry, after: ReadCursorDocument): void {
    const { userId } = after;
    if (!entry.settled && !this.settledTotals.has(userId)) {
      const moved = (this.unreadMoved.get(userId) ?? 0) + after.unread - entry.after.unread;
      this.unreadMoved.set(userId, moved);
    }
    entry.after = after;
  }

  private totalOf(userId: string): number {
    return (this.storedTotals.get(userId) ?? 0) + (this.unreadMoved.get(userId) ?? 0);
  }

  /** The reader's messages in a read's range, stored or registered by this batch, as it stands. */
  private coveredMessages(key: CoveredKey): AddressedMessage[] {
    const { conversationId, userId, fromExclusive, toInclusive } = key;
    const stored = this.reads?.covered.get(key.change) ?? [];
    const here = this.registeredIn(conversationId, fromExclusive, toInclusive).filter((r) =>
      r.recipients.has(userId),
    );
    let messages: AddressedMessage[] = [...stored];
    if (here.length > 0) {
      const bySequence = new Map(stored.map((m) => [m.sequence, m]));
      for (const { message } of here)
        bySequence.set(message.sequence, { ...message, deliveredAt: null });
      messages = [...bySequence.values()].sort((a, b) => a.sequence - b.sequence);
    }
    return messages.map((message) => {
      // A delivery earlier in this batch is newer than what was loaded.
      const row = this.recipients.get(recipientKeyOf({ ...message, userId }));
      return row && row.deliveredAt !== message.deliveredAt
        ? { ...message, deliveredAt: row.deliveredAt }
        : message;
    });
  }

  /** This batch's registrations in a conversation with from < sequence <= to, in order. */
  private registeredIn(conversationId: string, from: number, to: number): readonly Registered[] {
    const all = this.registered.get(conversationId);
    if (!all) return [];
    return all.slice(firstAbove(all, from), firstAbove(all, to));
  }

  private cursor(userId: string, conversationId: string): CursorEntry {
    const key = cursorKeyOf({ userId, conversationId });
    return this.cursors.get(key) ?? this.track(key, emptyCursor(userId, conversationId));
  }

  private track(key: string, cursor: ReadCursorDocument): CursorEntry {
    const entry = {
      before: cursor,
      after: cursor,
      settled: this.settledCursors.has(key),
    };
    this.cursors.set(key, entry);
    return entry;
  }

  private remember(message: MessageDocument): void {
    this.messagesBySlot.set(slotKeyOf(message), message);
    this.messagesById.set(idKeyOf(message), message);
  }
}

/** Registrations come in sequence order almost always: appending is the usual case. */
const insertBySequence = (sorted: Registered[], item: Registered): void => {
  const at = firstAbove(sorted, item.message.sequence);
  if (at === sorted.length) sorted.push(item);
  else sorted.splice(at, 0, item);
};

/** Index of the first registration with a sequence above `value`. */
const firstAbove = (sorted: readonly Registered[], value: number): number => {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (sorted[mid]!.message.sequence <= value) low = mid + 1;
    else high = mid;
  }
  return low;
};

const sameCursor = (a: ReadCursorDocument, b: ReadCursorDocument): boolean =>
  a.readUpTo === b.readUpTo &&
  a.sharedReadUpTo === b.sharedReadUpTo &&
  a.unread === b.unread &&
  a.lastReadAt === b.lastReadAt;

const getOrCreate = <K, V>(map: Map<K, V>, key: K, create: () => V): V => {
  let value = map.get(key);
  if (value === undefined) map.set(key, (value = create()));
  return value;
};
