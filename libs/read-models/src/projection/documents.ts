import type { AddressedMessage, MessageDocument } from '../message-receipts.read-model';
import type { ReadCursorDocument } from '../read-cursors.read-model';

/** One recipient of one message and their first delivered ACK. */
export type RecipientRow = Readonly<{
  conversationId: string;
  sequence: number;
  userId: string;
  deliveredAt: string | null;
  deliveredDevice: string | null;
}>;

/** A read that moved a cursor: reads are dated and shared by the first step covering a message. */
export type StepRow = Readonly<{
  conversationId: string;
  userId: string;
  upTo: number;
  readAt: string;
  deviceId: string | null;
  shared: boolean;
}>;

export type UnreadTotal = Readonly<{ userId: string; total: number }>;

/**
 * A message's recipient counts, kept as a document: every transition (one recipient of one
 * message delivered, or read) adds one, so a summary is one lookup whatever the group's size.
 */
export type MessageCounts = Readonly<{
  conversationId: string;
  sequence: number;
  delivered: number;
  read: number;
}>;

export type MessageSlot = Readonly<{ conversationId: string; sequence: number }>;
export type MessageIdKey = Readonly<{ conversationId: string; messageId: string }>;
export type RecipientKey = Readonly<{ conversationId: string; sequence: number; userId: string }>;
export type CursorKey = Readonly<{ userId: string; conversationId: string }>;

/** What a batch reads before it is folded: the documents its changes touch. */
export type DocumentKeys = Readonly<{
  messageSlots: readonly MessageSlot[];
  messageIds: readonly MessageIdKey[];
  recipients: readonly RecipientKey[];
  /** Cursors the batch reads or moves; a delivery reads its recipient's (reads count as delivered). */
  cursors: readonly CursorKey[];
  totals: readonly string[];
}>;

/**
 * What a batch's reads need once the stored cursors are known: for each read that moves a cursor,
 * the reader's messages it covers (senders are told about them), and for each moved cursor, how
 * many of the reader's stored messages lie above where it ends (its unread count).
 */
export type ReadKeys = Readonly<{
  covered: readonly CoveredKey[];
  unreadAbove: readonly UnreadAboveKey[];
}>;

/** Every message addressed to the reader in the range: each is a transition to count. */
export type CoveredKey = Readonly<{
  /** Index of the read in the batch's changes. */
  change: number;
  conversationId: string;
  userId: string;
  fromExclusive: number;
  toInclusive: number;
}>;

export type UnreadAboveKey = Readonly<{
  conversationId: string;
  userId: string;
  above: number;
  /** Sequences this batch registers: counted by the fold, never by the store. */
  excluding: readonly number[];
}>;

/**
 * The stored documents a batch touches, as an adapter loaded them for `DocumentKeys` and
 * `ReadKeys`. Absent documents are simply missing from the lists.
 */
export type StoredDocuments = Readonly<{
  messages: readonly MessageDocument[];
  recipients: readonly RecipientRow[];
  cursors: readonly ReadCursorDocument[];
  totals: readonly UnreadTotal[];
  /** The counts of the stored messages named by slot (absent: none yet, all zero). */
  counts: readonly MessageCounts[];
  /** Per read (by change index): the stored messages addressed to the reader in its range. */
  covered: ReadonlyMap<number, readonly AddressedMessage[]>;
  /** The counts of the stored messages the reads cover. */
  coveredCounts: readonly MessageCounts[];
  /** Per `UnreadAboveKey`, in the same order: the count of stored messages matching it. */
  unreadAbove: readonly number[];
  /**
   * Cursors and totals an interrupted earlier attempt at this very batch already wrote (a store
   * without transactions): the fold leaves them as they are.
   */
  settled?: Readonly<{
    cursors: readonly CursorKey[];
    totals: readonly string[];
    counts?: readonly MessageSlot[];
  }>;
}>;

/** What the second pass loads, for `ReadKeys`. */
export type ReadDocuments = Pick<StoredDocuments, 'covered' | 'unreadAbove' | 'coveredCounts'>;

/** What a batch writes: each list holds a document's final state after the batch. */
export type ReadModelWrites = Readonly<{
  /** New messages (insert unless the key is there). */
  messages: readonly MessageDocument[];
  /** New recipient rows, undelivered (insert unless the key is there). */
  recipients: readonly RecipientRow[];
  /** First deliveries (set unless the row is delivered already). */
  deliveries: readonly RecipientRow[];
  /** New read steps (insert unless the key is there). */
  steps: readonly StepRow[];
  /** Cursors the batch changed. */
  cursors: readonly ReadCursorDocument[];
  /** Unread totals the batch changed. */
  totals: readonly UnreadTotal[];
  /** Message counts the batch changed (a new message's included once it has a transition). */
  counts: readonly MessageCounts[];
}>;

export const cursorKeyOf = ({ userId, conversationId }: CursorKey): string =>
  `${userId}\u0000${conversationId}`;
export const slotKeyOf = ({ conversationId, sequence }: MessageSlot): string =>
  `${conversationId}\u0000${sequence}`;
export const idKeyOf = ({ conversationId, messageId }: MessageIdKey): string =>
  `${conversationId}\u0000${messageId}`;
export const recipientKeyOf = ({ conversationId, sequence, userId }: RecipientKey): string =>
  `${conversationId}\u0000${sequence}\u0000${userId}`;
