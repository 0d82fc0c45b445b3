import type { GlobalPosition } from '@receipts/event-store';
import {
  type AddressedMessage,
  type MessageDocument,
  type ReadCursorDocument,
  type ReadModelChange,
  type RecipientCounts,
  type RecipientFacts,
  emptyCursor,
  messageArrived,
  moveCursor,
} from '@receipts/read-models';
import type { ReadStore } from './read-store';
import type { ReadModelRows, RecipientRow, StepRow } from './read-model-rows';

type Change<K extends ReadModelChange['kind']> = Extract<ReadModelChange, { kind: K }>;

/** One conversation's read models; rows of other conversations are never needed together. */
type ConversationTables = {
  readonly conversationId: string;
  readonly messages: Map<number, MessageDocument>;
  /** Sequences of `messages`, ascending. */
  readonly sequences: number[];
  readonly sequenceById: Map<string, number>;
  /** Sequence -> recipient -> delivery. */
  readonly recipients: Map<number, Map<string, Delivery>>;
  /** Recipient -> the sequences addressed to them, ascending (their unread counts come from it). */
  readonly addressed: Map<string, number[]>;
  /** Reader -> their read steps, ascending: a step is recorded only when it moves the cursor. */
  readonly steps: Map<string, Step[]>;
};
type Delivery = { at: string | null; deviceId: string | null };
type Step = Readonly<{ upTo: number; readAt: string; deviceId: string | null; shared: boolean }>;

/**
 * The read models in memory, with the same effects as the SQLite and MongoDB stores (the shared
 * conformance suite holds it to that). For rebuilds: folding the log into memory and writing the
 * result once, sorted, costs a fraction of applying it batch by batch to a database. Holds every
 * read model of the projection, so it needs memory in proportion to them.
 */
export class MemoryReadStore implements ReadStore {
  private conversations = new Map<string, ConversationTables>();
  /** User -> conversation -> cursor. */
  private cursors = new Map<string, Map<string, ReadCursorDocument>>();
  private totals = new Map<string, number>();
  private readonly checkpoints = new Map<string, GlobalPosition>();

  apply(
    projection: string,
    changes: readonly ReadModelChange[],
    checkpoint: GlobalPosition,
  ): Promise<void> {
    for (const change of changes) this.applyOne(change);
    this.checkpoints.set(projection, checkpoint);
    return Promise.resolve();
  }

  private applyOne(change: ReadModelChange): void {
    switch (change.kind) {
      case 'message_registered':
        return this.registerMessage(change);
      case 'message_delivered':
        return this.deliver(change);
      case 'cursor_moved':
        return this.moveCursor(change);
      default: {
        const unexpected: never = change;
        return unexpected;
      }
    }
  }

  private registerMessage(change: Change<'message_registered'>): void {
    const { conversationId, sequence, messageId, recipientIds } = change;
    const tables = this.tablesOf(conversationId);
    if (tables.messages.has(sequence) || tables.sequenceById.has(messageId)) return;
    tables.messages.set(sequence, {
      conversationId,
      messageId,
      sequence,
      senderId: change.senderId,
      sentAt: change.sentAt,
      recipientCount: recipientIds.length,
    });
    insertSorted(tables.sequences, sequence);
    tables.sequenceById.set(messageId, sequence);
    const deliveries = new Map<string, Delivery>();
    tables.recipients.set(sequence, deliveries);
    for (const userId of recipientIds) {
      if (deliveries.has(userId)) continue;
      deliveries.set(userId, { at: null, deviceId: null });
      insertSorted(
        getOrCreate(tables.addressed, userId, () => []),
        sequence,
      );
      this.updateCursor(userId, conversationId, (cursor) => messageArrived(cursor, sequence));
    }
  }

  private deliver({ conversationId, sequence, userId, ...change }: Change<'message_delivered'>) {
    const delivery = this.conversations.get(conversationId)?.recipients.get(sequence)?.get(userId);
    if (!delivery || delivery.at !== null) return;
    delivery.at = change.deliveredAt;
    delivery.deviceId = change.deviceId;
  }

  private moveCursor(change: Change<'cursor_moved'>): void {
    const { conversationId, userId } = change;
    const before = this.cursorOf(userId, conversationId);
    if (change.readUpToSequence <= before.readUpTo) return;
    const tables = this.tablesOf(conversationId);
    getOrCreate(tables.steps, userId, () => []).push({
      upTo: change.readUpToSequence,
      readAt: change.readAt,
      deviceId: change.deviceId,
      shared: change.receiptsShared,
    });
    const addressed = tables.addressed.get(userId) ?? [];
    this.updateCursor(userId, conversationId, (cursor) =>
      moveCursor(cursor, change, (sequence) => addressed.length - upperBound(addressed, sequence)),
    );
  }

  private updateCursor(
    userId: string,
    conversationId: string,
    move: (cursor: ReadCursorDocument) => ReadCursorDocument,
  ): void {
    const before = this.cursorOf(userId, conversationId);
    const after = move(before);
    if (after === before) return;
    getOrCreate(this.cursors, userId, () => new Map()).set(conversationId, after);
    const delta = after.unread - before.unread;
    if (delta !== 0) this.totals.set(userId, (this.totals.get(userId) ?? 0) + delta);
  }

  private cursorOf(userId: string, conversationId: string): ReadCursorDocument {
    return this.cursors.get(userId)?.get(conversationId) ?? emptyCursor(userId, conversationId);
  }

  private tablesOf(conversationId: string): ConversationTables {
    return getOrCreate(this.conversations, conversationId, () => ({
      conversationId,
      messages: new Map(),
      sequences: [],
      sequenceById: new Map(),
      recipients: new Map(),
      addressed: new Map(),
      steps: new Map(),
    }));
  }

  loadCheckpoint(projection: string): Promise<GlobalPosition | null> {
    return Promise.resolve(this.checkpoints.get(projection) ?? null);
  }

  storeCheckpoint(projection: string, position: GlobalPosition): Promise<void> {
    this.checkpoints.set(projection, position);
    return Promise.resolve();
  }

  reset(projection: string): Promise<void> {
    this.conversations = new Map();
    this.cursors = new Map();
    this.totals = new Map();
    this.checkpoints.delete(projection);
    return Promise.resolve();
  }

  findMessage(conversationId: string, messageId: string): Promise<MessageDocument | null> {
    const tables = this.conversations.get(conversationId);
    const sequence = tables?.sequenceById.get(messageId);
    return Promise.resolve(sequence === undefined ? null : tables!.messages.get(sequence)!);
  }

  messagesTo(
    conversationId: string,
    userId: string,
    fromExclusive: number,
    toInclusive: number,
    limit: number,
  ): Promise<AddressedMessage[]> {
    const tables = this.conversations.get(conversationId);
    if (!tables) return Promise.resolve([]);
    const found: AddressedMessage[] = [];
    const from = upperBound(tables.sequences, fromExclusive);
    const to = upperBound(tables.sequences, toInclusive);
    for (let i = from; i < to && found.length < limit; i++) {
      const sequence = tables.sequences[i]!;
      const delivery = tables.recipients.get(sequence)?.get(userId);
      if (delivery) found.push({ ...tables.messages.get(sequence)!, deliveredAt: delivery.at });
    }
    return Promise.resolve(found);
  }

  recipientFacts(conversationId: string, sequence: number): Promise<RecipientFacts[]> {
    const tables = this.conversations.get(conversationId);
    const deliveries = tables?.recipients.get(sequence);
    if (!tables || !deliveries) return Promise.resolve([]);
    return Promise.resolve(
      [...deliveries.keys()].sort(byText).map((userId) => {
        const delivery = deliveries.get(userId)!;
        const steps = tables.steps.get(userId) ?? [];
        const first = steps.find((s) => s.upTo >= sequence);
        const firstShared = steps.find((s) => s.upTo >= sequence && s.shared);
        return {
          userId,
          deliveredAt: delivery.at,
          deliveredDeviceId: delivery.deviceId,
          sharedRead: firstShared
            ? { at: firstShared.readAt, deviceId: firstShared.deviceId }
            : null,
          anyReadAt: first?.readAt ?? null,
        };
      }),
    );
  }

  recipientCounts(conversationId: string, sequence: number): Promise<RecipientCounts> {
    const deliveries = this.conversations.get(conversationId)?.recipients.get(sequence);
    let delivered = 0;
    let read = 0;
    for (const [userId, delivery] of deliveries ?? []) {
      const cursor = this.cursorOf(userId, conversationId);
      if (delivery.at !== null || cursor.readUpTo >= sequence) delivered++;
      if (cursor.sharedReadUpTo >= sequence) read++;
    }
    return Promise.resolve({ delivered, read });
  }

  findCursor(userId: string, conversationId: string): Promise<ReadCursorDocument | null> {
    return Promise.resolve(this.cursors.get(userId)?.get(conversationId) ?? null);
  }

  cursorsOf(userId: string): Promise<ReadCursorDocument[]> {
    const own = this.cursors.get(userId) ?? new Map<string, ReadCursorDocument>();
    return Promise.resolve([...own.keys()].sort(byText).map((c) => own.get(c)!));
  }

  totalUnread(userId: string): Promise<number> {
    return Promise.resolve(this.totals.get(userId) ?? 0);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  /** Every row of the read models, each table in its primary key order. */
  rows(): ReadModelRows {
    const conversationIds = [...this.conversations.keys()].sort(byText);
    const tablesInOrder = () => conversationIds.map((id) => this.conversations.get(id)!);
    const users = [...this.cursors.keys()].sort(byText);
    return {
      messages: flatMap(tablesInOrder(), (t) => t.sequences.map((s) => t.messages.get(s)!)),
      recipients: flatMap(tablesInOrder(), (t) =>
        flatMap(t.sequences, (sequence) => recipientRows(t, sequence)),
      ),
      cursors: flatMap(users, (userId) => {
        const own = this.cursors.get(userId)!;
        return [...own.keys()].sort(byText).map((c) => own.get(c)!);
      }),
      steps: flatMap(tablesInOrder(), (t) =>
        flatMap([...t.steps.keys()].sort(byText), (userId) =>
          t.steps
            .get(userId)!
            .map((step): StepRow => ({ conversationId: t.conversationId, userId, ...step })),
        ),
      ),
      totals: [...this.totals.keys()]
        .sort(byText)
        .map((userId) => ({ userId, total: this.totals.get(userId)! })),
      checkpoints: [...this.checkpoints].map(([projection, position]) => ({
        projection,
        position,
      })),
    };
  }
}

const recipientRows = (tables: ConversationTables, sequence: number): RecipientRow[] => {
  const deliveries = tables.recipients.get(sequence)!;
  const { conversationId } = tables;
  return [...deliveries.keys()].sort(byText).map((userId) => {
    const delivery = deliveries.get(userId)!;
    return {
      conversationId,
      sequence,
      userId,
      deliveredAt: delivery.at,
      deliveredDevice: delivery.deviceId,
    };
  });
};

/** Ids are ASCII, so UTF-16 order is the byte order SQLite and MongoDB sort them in. */
const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const flatMap = <T, U>(items: readonly T[], map: (item: T) => readonly U[]): U[] => {
  const out: U[] = [];
  for (const item of items) for (const u of map(item)) out.push(u);
  return out;
};

const getOrCreate = <K, V>(map: Map<K, V>, key: K, create: () => V): V => {
  let value = map.get(key);
  if (value === undefined) map.set(key, (value = create()));
  return value;
};

/** Index of the first element > `value` in an ascending array. */
const upperBound = (sorted: readonly number[], value: number): number => {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (sorted[mid]! <= value) low = mid + 1;
    else high = mid;
  }
  return low;
};

const insertSorted = (sorted: number[], value: number): void => {
  const at = upperBound(sorted, value);
  if (at === sorted.length) sorted.push(value);
  else sorted.splice(at, 0, value);
};
