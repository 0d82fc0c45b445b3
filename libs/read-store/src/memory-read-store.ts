import type { GlobalPosition } from '@receipts/event-store';
import type {
  AddressedMessage,
  BaseDocuments,
  DocumentKeys,
  FeedEntry,
  FeedWrites,
  MessageCounts,
  MessageDocument,
  ReadCursorDocument,
  ReadDocuments,
  ReadKeys,
  ReadModelChange,
  ReceiptDelta,
  ReadModelWrites,
  RecipientCounts,
  RecipientFacts,
  RecipientRow,
  StepRow,
  StoredFeedPage,
} from '@receipts/read-models';
import { DEFAULT_FEED_RETENTION } from '@receipts/read-models';
import { type SyncDocumentSource, projectStored } from './project-stored';
import type { DriftRepairRecord, ReadModelPatch, ReadModelSnapshot } from './read-model-audit';
import { MemoryProjectionControl } from './memory-projection-control';
import type {
  ParkedEvent,
  ProjectionControl,
  ProjectionState,
  RebuildLease,
} from './projection-control';
import type { AppliedBatch, FeedOptions, ReadStore } from './read-store';
import type { CursorKey, UnreadRepair } from './unread-recount';
import type { ReadModelRows } from './read-model-rows';

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
  /** Sequence -> the message's counts, once it has any. */
  readonly counts: Map<number, MessageCounts>;
};
/** A user's feed: its head and the entries still kept, in position order. */
type Feed = { head: number; entries: FeedEntry[] };
type Delivery = { at: string | null; deviceId: string | null };
type Step = Readonly<{ upTo: number; readAt: string; deviceId: string | null; shared: boolean }>;

/**
 * The read models in memory, with the same effects as the SQLite and MongoDB stores (the shared
 * conformance suite holds it to that). For rebuilds: folding the log into memory and writing the
 * result once, sorted, costs a fraction of applying it batch by batch to a database. Holds every
 * read model of the projection, so it needs memory in proportion to them.
 */
export class MemoryReadStore implements ReadStore, SyncDocumentSource {
  private conversations = new Map<string, ConversationTables>();
  /** User -> conversation -> cursor. */
  private cursors = new Map<string, Map<string, ReadCursorDocument>>();
  private totals = new Map<string, number>();
  private feeds = new Map<string, Feed>();
  private readonly checkpoints = new Map<string, GlobalPosition>();
  private readonly repairs: DriftRepairRecord[] = [];
  private readonly control = new MemoryProjectionControl();
  private readonly feedRetention: number;

  constructor({ feedRetention = DEFAULT_FEED_RETENTION }: FeedOptions = {}) {
    this.feedRetention = feedRetention;
  }

  apply(
    projection: string,
    changes: readonly ReadModelChange[],
    checkpoint: GlobalPosition,
  ): Promise<AppliedBatch> {
    const { writes, deltas, feed } = projectStored(this, changes, this.feedRetention);
    this.write(writes);
    this.writeFeed(feed);
    this.checkpoints.set(projection, checkpoint);
    return Promise.resolve({ deltas, feed: feed.entries });
  }

  loadFeedHeads(userIds: readonly string[]): ReadonlyMap<string, number> {
    const heads = new Map<string, number>();
    for (const userId of userIds) {
      const feed = this.feeds.get(userId);
      if (feed) heads.set(userId, feed.head);
    }
    return heads;
  }

  private writeFeed({ entries, heads, prune }: FeedWrites): void {
    const feedOf = (userId: string) =>
      getOrCreate(this.feeds, userId, (): Feed => ({ head: 0, entries: [] }));
    for (const entry of entries) feedOf(entry.userId).entries.push(entry);
    for (const { userId, head } of heads) feedOf(userId).head = head;
    for (const { userId, head } of prune) {
      const feed = feedOf(userId);
      feed.entries = feed.entries.filter((entry) => entry.position > head);
    }
  }

  loadControl(projection: string): Promise<ProjectionControl> {
    return Promise.resolve(this.control.load(projection));
  }

  setState(projection: string, state: ProjectionState, at: Date): Promise<void> {
    return Promise.resolve(this.control.setState(projection, state, at));
  }

  recordError(projection: string, message: string, at: Date): Promise<void> {
    return Promise.resolve(this.control.recordError(projection, message, at));
  }

  claimRebuild(
    projection: string,
    lease: RebuildLease,
    replacing: string | null,
  ): Promise<boolean> {
    return Promise.resolve(this.control.claimRebuild(projection, lease, replacing));
  }

  renewRebuild(projection: string, lease: RebuildLease): Promise<boolean> {
    return Promise.resolve(this.control.renewRebuild(projection, lease));
  }

  releaseRebuild(projection: string, owner: string): Promise<void> {
    return Promise.resolve(this.control.releaseRebuild(projection, owner));
  }

  park(projection: string, event: ParkedEvent): Promise<void> {
    return Promise.resolve(this.control.park(projection, event));
  }

  parkedEvents(projection: string): Promise<ParkedEvent[]> {
    return Promise.resolve(this.control.parkedEvents(projection));
  }

  countParked(projection: string): Promise<number> {
    return Promise.resolve(this.control.countParked(projection));
  }

  applyParked(
    projection: string,
    position: GlobalPosition,
    changes: readonly ReadModelChange[],
  ): Promise<readonly ReceiptDelta[]> {
    if (!this.control.unpark(projection, position)) return Promise.resolve([]);
    const { writes, deltas, feed } = projectStored(this, changes, this.feedRetention);
    this.write(writes);
    this.writeFeed(feed);
    return Promise.resolve(deltas);
  }

  recountUnread(keys: readonly CursorKey[]): Promise<UnreadRepair[]> {
    const repairs: UnreadRepair[] = [];
    for (const { userId, conversationId } of keys) {
      const cursor = this.cursors.get(userId)?.get(conversationId);
      if (!cursor) continue;
      const addressed = this.conversations.get(conversationId)?.addressed.get(userId) ?? [];
      const recounted = addressed.length - upperBound(addressed, cursor.readUpTo);
      if (recounted === cursor.unread) continue;
      this.cursors.get(userId)!.set(conversationId, { ...cursor, unread: recounted });
      repairs.push({
        model: 'read_cursors',
        userId,
        conversationId,
        stored: cursor.unread,
        recounted,
      });
    }
    for (const userId of new Set(keys.map((k) => k.userId))) {
      let recounted = 0;
      for (const cursor of this.cursors.get(userId)?.values() ?? []) recounted += cursor.unread;
      const stored = this.totals.get(userId) ?? 0;
      if (recounted === stored) continue;
      this.totals.set(userId, recounted);
      repairs.push({ model: 'user_unread', userId, stored, recounted });
    }
    return Promise.resolve(repairs);
  }

  loadBase(keys: DocumentKeys): BaseDocuments {
    const messages: MessageDocument[] = [];
    for (const { conversationId, sequence } of keys.messageSlots) {
      const message = this.conversations.get(conversationId)?.messages.get(sequence);
      if (message) messages.push(message);
    }
    for (const { conversationId, messageId } of keys.messageIds) {
      const tables = this.conversations.get(conversationId);
      const sequence = tables?.sequenceById.get(messageId);
      if (sequence !== undefined) messages.push(tables!.messages.get(sequence)!);
    }
    const recipients: RecipientRow[] = [];
    for (const { conversationId, sequence, userId } of keys.recipients) {
      const delivery = this.conversations
        .get(conversationId)
        ?.recipients.get(sequence)
        ?.get(userId);
      if (delivery) {
        recipients.push({
          conversationId,
          sequence,
          userId,
          deliveredAt: delivery.at,
          deliveredDevice: delivery.deviceId,
        });
      }
    }
    return {
      messages,
      recipients,
      counts: keys.messageSlots.flatMap(({ conversationId, sequence }) => {
        const counts = this.conversations.get(conversationId)?.counts.get(sequence);
        return counts ? [counts] : [];
      }),
      cursors: keys.cursors.flatMap(({ userId, conversationId }) => {
        const cursor = this.cursors.get(userId)?.get(conversationId);
        return cursor ? [cursor] : [];
      }),
      totals: keys.totals.flatMap((userId) => {
        const total = this.totals.get(userId);
        return total === undefined ? [] : [{ userId, total }];
      }),
    };
  }

  loadReads(keys: ReadKeys): ReadDocuments {
    const covered = new Map(
      keys.covered.map((key) => [
        key.change,
        this.addressedTo(
          key.conversationId,
          key.userId,
          key.fromExclusive,
          key.toInclusive,
          Infinity,
        ),
      ]),
    );
    return {
      covered,
      coveredCounts: [...covered.values()].flatMap((messages) =>
        messages.flatMap(({ conversationId, sequence }) => {
          const counts = this.conversations.get(conversationId)?.counts.get(sequence);
          return counts ? [counts] : [];
        }),
      ),
      unreadAbove: keys.unreadAbove.map(({ conversationId, userId, above, excluding }) => {
        const addressed = this.conversations.get(conversationId)?.addressed.get(userId) ?? [];
        const excluded = new Set(excluding);
        return addressed.slice(upperBound(addressed, above)).filter((s) => !excluded.has(s)).length;
      }),
    };
  }

  private write(writes: ReadModelWrites): void {
    for (const message of writes.messages) {
      const tables = this.tablesOf(message.conversationId);
      tables.messages.set(message.sequence, message);
      insertSorted(tables.sequences, message.sequence);
      tables.sequenceById.set(message.messageId, message.sequence);
      tables.recipients.set(message.sequence, new Map());
    }
    for (const { conversationId, sequence, userId } of writes.recipients) {
      const tables = this.tablesOf(conversationId);
      tables.recipients.get(sequence)!.set(userId, { at: null, deviceId: null });
      insertSorted(
        getOrCreate(tables.addressed, userId, () => []),
        sequence,
      );
    }
    for (const row of writes.deliveries) {
      const delivery = this.conversations
        .get(row.conversationId)
        ?.recipients.get(row.sequence)
        ?.get(row.userId);
      if (delivery && delivery.at === null) {
        delivery.at = row.deliveredAt;
        delivery.deviceId = row.deliveredDevice;
      }
    }
    for (const { conversationId, userId, ...step } of writes.steps) {
      getOrCreate(this.tablesOf(conversationId).steps, userId, () => []).push(step);
    }
    for (const cursor of writes.cursors) {
      getOrCreate(this.cursors, cursor.userId, () => new Map()).set(cursor.conversationId, cursor);
    }
    for (const { userId, total } of writes.totals) this.totals.set(userId, total);
    for (const counts of writes.counts) {
      this.tablesOf(counts.conversationId).counts.set(counts.sequence, counts);
    }
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
      counts: new Map(),
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
    this.feeds = new Map();
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
    return Promise.resolve(
      this.addressedTo(conversationId, userId, fromExclusive, toInclusive, limit),
    );
  }

  private addressedTo(
    conversationId: string,
    userId: string,
    fromExclusive: number,
    toInclusive: number,
    limit: number,
  ): AddressedMessage[] {
    const tables = this.conversations.get(conversationId);
    const addressed = tables?.addressed.get(userId);
    if (!tables || !addressed) return [];
    const found: AddressedMessage[] = [];
    const to = upperBound(addressed, toInclusive);
    for (let i = upperBound(addressed, fromExclusive); i < to && found.length < limit; i++) {
      const sequence = addressed[i]!;
      const delivery = tables.recipients.get(sequence)!.get(userId)!;
      found.push({ ...tables.messages.get(sequence)!, deliveredAt: delivery.at });
    }
    return found;
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
    const counts = this.conversations.get(conversationId)?.counts.get(sequence);
    return Promise.resolve({ delivered: counts?.delivered ?? 0, read: counts?.read ?? 0 });
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

  feedPage(userId: string, after: number, limit: number): Promise<StoredFeedPage> {
    const feed = this.feeds.get(userId) ?? { head: 0, entries: [] };
    return Promise.resolve({
      entries: feed.entries.filter((entry) => entry.position > after).slice(0, limit),
      head: feed.head,
      firstKept: feed.entries[0]?.position ?? feed.head + 1,
    });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  snapshot(projection: string): Promise<ReadModelSnapshot> {
    const { checkpoints: _, ...documents } = this.rows();
    return Promise.resolve({ checkpoint: this.checkpoints.get(projection) ?? null, documents });
  }

  patch(
    projection: string,
    expected: GlobalPosition | null,
    { put, remove }: ReadModelPatch,
    record: DriftRepairRecord,
  ): Promise<boolean> {
    if ((this.checkpoints.get(projection) ?? null) !== expected) return Promise.resolve(false);
    for (const m of remove.messages) {
      const tables = this.conversations.get(m.conversationId);
      const stored = tables?.messages.get(m.sequence);
      if (!tables || !stored) continue;
      tables.messages.delete(m.sequence);
      tables.sequenceById.delete(stored.messageId);
      removeSorted(tables.sequences, m.sequence);
    }
    for (const m of put.messages) {
      const tables = this.tablesOf(m.conversationId);
      const stored = tables.messages.get(m.sequence);
      if (stored) tables.sequenceById.delete(stored.messageId);
      else insertSorted(tables.sequences, m.sequence);
      tables.messages.set(m.sequence, m);
      tables.sequenceById.set(m.messageId, m.sequence);
    }
    for (const { conversationId, sequence, userId } of remove.recipients) {
      const tables = this.conversations.get(conversationId);
      if (tables?.recipients.get(sequence)?.delete(userId)) {
        removeSorted(tables.addressed.get(userId) ?? [], sequence);
      }
    }
    for (const r of put.recipients) {
      const tables = this.tablesOf(r.conversationId);
      const deliveries = getOrCreate(tables.recipients, r.sequence, () => new Map());
      if (!deliveries.has(r.userId)) {
        insertSorted(
          getOrCreate(tables.addressed, r.userId, () => []),
          r.sequence,
        );
      }
      deliveries.set(r.userId, { at: r.deliveredAt, deviceId: r.deliveredDevice });
    }
    for (const { conversationId, userId, upTo } of [...remove.steps, ...put.steps]) {
      const steps = this.conversations.get(conversationId)?.steps.get(userId);
      if (steps) steps.splice(0, steps.length, ...steps.filter((s) => s.upTo !== upTo));
    }
    for (const { conversationId, userId, ...step } of put.steps) {
      const steps = getOrCreate(this.tablesOf(conversationId).steps, userId, () => []);
      steps.push(step);
      steps.sort((a, b) => a.upTo - b.upTo);
    }
    for (const c of remove.cursors) this.cursors.get(c.userId)?.delete(c.conversationId);
    for (const c of put.cursors) {
      getOrCreate(this.cursors, c.userId, () => new Map()).set(c.conversationId, c);
    }
    for (const t of remove.totals) this.totals.delete(t.userId);
    for (const t of put.totals) this.totals.set(t.userId, t.total);
    for (const c of remove.counts)
      this.conversations.get(c.conversationId)?.counts.delete(c.sequence);
    for (const c of put.counts) this.tablesOf(c.conversationId).counts.set(c.sequence, c);
    this.repairs.push(record);
    return Promise.resolve(true);
  }

  driftRepairs(): Promise<DriftRepairRecord[]> {
    return Promise.resolve([...this.repairs]);
  }

  /** Every row of the read models, each table in its primary key order. */
  rows(): ReadModelRows {
    const conversationIds = [...this.conversations.keys()].sort(byText);
    const tablesInOrder = () => conversationIds.map((id) => this.conversations.get(id)!);
    const users = [...this.cursors.keys()].sort(byText);
    return {
      messages: flatMap(tablesInOrder(), (t) => t.sequences.map((s) => t.messages.get(s)!)),
      recipients: flatMap(tablesInOrder(), (t) =>
        flatMap([...t.recipients.keys()].sort(byNumber), (sequence) => recipientRows(t, sequence)),
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
      counts: flatMap(tablesInOrder(), (t) =>
        [...t.counts.keys()].sort(byNumber).map((sequence) => t.counts.get(sequence)!),
      ),
      feedEntries: flatMap(
        [...this.feeds.keys()].sort(byText),
        (userId) => this.feeds.get(userId)!.entries,
      ),
      feedHeads: [...this.feeds.keys()]
        .sort(byText)
        .map((userId) => ({ userId, head: this.feeds.get(userId)!.head })),
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

const byNumber = (a: number, b: number): number => a - b;

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

const removeSorted = (sorted: number[], value: number): void => {
  const at = upperBound(sorted, value) - 1;
  if (sorted[at] === value) sorted.splice(at, 1);
};

const insertSorted = (sorted: number[], value: number): void => {
  const at = upperBound(sorted, value);
  if (at === sorted.length) sorted.push(value);
  else sorted.splice(at, 0, value);
};
