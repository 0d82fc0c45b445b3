import {
  type AnyBulkWriteOperation,
  type ClientSession,
  type Collection,
  type Db,
  type Document,
  type Filter,
  type IndexDescription,
  type UpdateFilter,
  MongoBulkWriteError,
  MongoClient,
  MongoServerError,
} from 'mongodb';
import type { GlobalPosition } from '@receipts/event-store';
import {
  type AddressedMessage,
  type BaseDocuments,
  type DocumentKeys,
  type FeedChange,
  type FeedEntry,
  type FeedWrites,
  type MessageCounts,
  type MessageDocument,
  type MessageSlot,
  type ReadCursorDocument,
  type ReadDocuments,
  type ReadKeys,
  type ReadModelChange,
  type ReceiptDelta,
  type RecipientCounts,
  type RecipientFacts,
  type RecipientRow,
  type StepRow,
  type StoredFeedPage,
  DEFAULT_FEED_RETENTION,
  documentKeys,
  feedEntries,
  feedUsers,
  projectBatch,
  readKeys,
} from '@receipts/read-models';
import { DRIFT_REPAIRS, MongoReadModelAudit } from './mongo-read-model-audit';
import type { DriftRepairRecord, ReadModelPatch, ReadModelSnapshot } from './read-model-audit';
import { CONTROL_COLLECTIONS, MongoProjectionControl } from './mongo-projection-control';
import type {
  ParkedEvent,
  ProjectionControl,
  ProjectionState,
  RebuildLease,
} from './projection-control';
import type { AppliedBatch, FeedOptions, ReadStore } from './read-store';
import type { CursorKey, UnreadRepair } from './unread-recount';

/** Every read-model document remembers the checkpoint of the batch that last wrote it. */
type Positioned = { position: GlobalPosition };
type MessageDoc = MessageDocument & Positioned;
type ReceiptDoc = Positioned & {
  conversationId: string;
  sequence: number;
  userId: string;
  deliveredAt: string | null;
  deliveredDeviceId: string | null;
};
type CursorDoc = ReadCursorDocument & Positioned;
type StepDoc = Positioned & StepRow;
type UnreadDoc = Positioned & { _id: string; total: number };
type CountsDoc = Positioned & MessageCounts;
type CheckpointDoc = { _id: string; position: GlobalPosition };
type FeedEntryDoc = Positioned & {
  userId: string;
  feedPosition: number;
  deviceId: string | null;
  change: FeedChange;
};
/** `before`: the head this batch started from, for a retry of the same batch to number again. */
type FeedHeadDoc = Positioned & { _id: string; head: number; before: number };

const READ_MODELS = {
  messages: 'messages',
  receipts: 'recipient_receipts',
  cursors: 'read_cursors',
  steps: 'read_steps',
  unread: 'user_unread',
  counts: 'message_counts',
  feedEntries: 'feed_entries',
  feedHeads: 'feed_heads',
} as const;
const CHECKPOINTS = 'checkpoints';

/** Which index serves which query; `user_unread` and `checkpoints` are keyed by `_id` alone. */
const INDEXES: Readonly<Record<string, IndexDescription[]>> = {
  [READ_MODELS.messages]: [
    // apply's insert-if-absent, and messagesTo's lookup of the messages by sequence.
    { name: 'conversation_sequence', key: { conversationId: 1, sequence: 1 }, unique: true },
    // findMessage; one message id per conversation, as SQLite's UNIQUE (conversation_id, message_id).
    { name: 'conversation_message', key: { conversationId: 1, messageId: 1 }, unique: true },
  ],
  [READ_MODELS.receipts]: [
    // apply's insert-if-absent and first delivery; recipientFacts (conversation, sequence) by user.
    {
      name: 'conversation_sequence_user',
      key: { conversationId: 1, sequence: 1, userId: 1 },
      unique: true,
    },
    // The unread recount: one user's receipts in a conversation above the cursor (a count scan).
    { name: 'conversation_user_sequence', key: { conversationId: 1, userId: 1, sequence: 1 } },
  ],
  [READ_MODELS.cursors]: [
    // findCursor, cursorsOf (user =, in conversation order), apply's load and guarded upsert.
    { name: 'user_conversation', key: { userId: 1, conversationId: 1 }, unique: true },
  ],
  [READ_MODELS.steps]: [
    // recipientFacts' first step covering a sequence (anyReadAt); apply's insert-if-absent.
    {
      name: 'conversation_user_upto',
      key: { conversationId: 1, userId: 1, upTo: 1 },
      unique: true,
    },
    // recipientFacts' first shared step covering a sequence: a seek, whatever the private steps.
    {
      name: 'conversation_user_shared_upto',
      key: { conversationId: 1, userId: 1, shared: 1, upTo: 1 },
    },
  ],
  [READ_MODELS.counts]: [
    // recipientCounts, apply's load and guarded upsert.
    { name: 'conversation_sequence', key: { conversationId: 1, sequence: 1 }, unique: true },
  ],
  [READ_MODELS.feedEntries]: [
    // feedPage (user =, positions after one, in order), apply's upsert and prune.
    { name: 'user_feed_position', key: { userId: 1, feedPosition: 1 }, unique: true },
  ],
};

const DUPLICATE_KEY = 11000;
const NAMESPACE_EXISTS = 48;
/** $or branches per recount query. */
const RECOUNT_CHUNK = 500;

/**
 * The read models in MongoDB. `apply` writes each batch as ordered bulk writes and then the
 * checkpoint: in one transaction on a replica set or sharded cluster, where that makes a batch
 * all-or-nothing; in that order on a standalone server (see docs/STORES.md for what that gives).
 */
export class MongoReadStore implements ReadStore {
  private readonly db: Db;
  private readonly control: MongoProjectionControl;
  private transactions = false;
  private readonly feedRetention: number;
  private readonly suffix: string;
  private readonly ownsClient: boolean;

  /**
   * The store owns the client: `close()` closes it. Call `init()` before use, or use `connect()`.
   * @param suffix appended to every collection's name: a rebuild's shadow copy (`shadow()`).
   */
  constructor(
    private readonly client: MongoClient,
    private readonly dbName: string,
    {
      feedRetention = DEFAULT_FEED_RETENTION,
      suffix = '',
      ownsClient = true,
    }: FeedOptions & { suffix?: string; ownsClient?: boolean } = {},
  ) {
    this.feedRetention = feedRetention;
    this.suffix = suffix;
    this.ownsClient = ownsClient;
    // Positions are 64-bit: read them back as bigint, never as a rounded number.
    this.db = client.db(dbName, { useBigInt64: true });
    this.control = new MongoProjectionControl(this.db, suffix);
  }

  private named(base: string): string {
    return `${base}${this.suffix}`;
  }

  /** A copy in collections of their own (`<name>_rebuild`) on the same client, for a rebuild. */
  shadow(): MongoReadStore {
    return new MongoReadStore(this.client, this.dbName, {
      feedRetention: this.feedRetention,
      suffix: `${this.suffix}_rebuild`,
      ownsClient: false,
    });
  }

  /** Drops every collection of this store (a shadow copy that is done or abandoned). */
  async drop(): Promise<void> {
    for (const base of [
      ...Object.values(READ_MODELS),
      CHECKPOINTS,
      ...Object.values(CONTROL_COLLECTIONS),
    ]) {
      await this.db
        .collection(this.named(base))
        .drop()
        .catch(() => false);
    }
  }

  /**
   * Puts a shadow copy's read models in place of this store's, when this store's checkpoint of
   * `projection` is `at` (none counts as 0): each collection is renamed over the live one
   * (`dropTarget`), then the projection's parked events are copied. Each rename is atomic, the
   * set of them is not: for a few milliseconds a reader may see some collections rebuilt and
   * others not (the live projector holds still meanwhile, so no write is lost).
   */
  async replaceWith(
    shadow: MongoReadStore,
    projection: string,
    at: GlobalPosition,
  ): Promise<boolean> {
    if (((await this.loadCheckpoint(projection)) ?? 0n) !== at) return false;
    for (const base of Object.values(READ_MODELS)) {
      await this.db.renameCollection(shadow.named(base), this.named(base), { dropTarget: true });
    }
    await this.control.replaceParked(projection, await shadow.parkedEvents(projection));
    await shadow.drop();
    await this.init();
    return true;
  }

  static async connect(
    url: string,
    dbName: string,
    options: FeedOptions = {},
  ): Promise<MongoReadStore> {
    const store = new MongoReadStore(await new MongoClient(url).connect(), dbName, options);
    await store.init();
    return store;
  }

  /** Idempotent: creates what is missing, and learns whether the deployment has transactions. */
  async init(): Promise<void> {
    for (const base of [
      ...Object.values(READ_MODELS),
      CHECKPOINTS,
      DRIFT_REPAIRS,
      ...Object.values(CONTROL_COLLECTIONS),
    ]) {
      const name = this.named(base);
      // Created up front: a transaction must not be the first to write to a collection.
      await this.db.createCollection(name).catch((error: unknown) => {
        if (!(error instanceof MongoServerError && error.code === NAMESPACE_EXISTS)) throw error;
      });
      const indexes = INDEXES[base];
      if (indexes) await this.db.collection(name).createIndexes(indexes);
    }
    await this.control.init();
    const hello = await this.db.admin().command({ hello: 1 });
    this.transactions = typeof hello.setName === 'string' || hello.msg === 'isdbgrid';
  }

  private get messages(): Collection<MessageDoc> {
    return this.db.collection<MessageDoc>(this.named(READ_MODELS.messages));
  }
  private get receipts(): Collection<ReceiptDoc> {
    return this.db.collection<ReceiptDoc>(this.named(READ_MODELS.receipts));
  }
  private get cursors(): Collection<CursorDoc> {
    return this.db.collection<CursorDoc>(this.named(READ_MODELS.cursors));
  }
  private get steps(): Collection<StepDoc> {
    return this.db.collection<StepDoc>(this.named(READ_MODELS.steps));
  }
  private get unread(): Collection<UnreadDoc> {
    return this.db.collection<UnreadDoc>(this.named(READ_MODELS.unread));
  }
  private get counts(): Collection<CountsDoc> {
    return this.db.collection<CountsDoc>(this.named(READ_MODELS.counts));
  }
  private get feedEntries(): Collection<FeedEntryDoc> {
    return this.db.collection<FeedEntryDoc>(this.named(READ_MODELS.feedEntries));
  }
  private get feedHeads(): Collection<FeedHeadDoc> {
    return this.db.collection<FeedHeadDoc>(this.named(READ_MODELS.feedHeads));
  }
  private get checkpoints(): Collection<CheckpointDoc> {
    return this.db.collection<CheckpointDoc>(this.named(CHECKPOINTS));
  }

  async apply(
    projection: string,
    changes: readonly ReadModelChange[],
    checkpoint: GlobalPosition,
  ): Promise<AppliedBatch> {
    if (!this.transactions) return this.applyBatch(projection, changes, checkpoint);
    const session = this.client.startSession();
    try {
      // The callback recomputes everything from what it reads, so the driver may rerun it.
      return await session.withTransaction(
        () => this.applyBatch(projection, changes, checkpoint, session),
        {
          readConcern: { level: 'snapshot' },
          writeConcern: { w: 'majority' },
        },
      );
    } finally {
      await session.endSession();
    }
  }

  /**
   * Loads what the batch touches, lets the projection fold it, then writes: the message counts,
   * the facts (messages, receipts, deliveries, steps), the totals, the cursors, and last the
   * checkpoint. Counts go first: a retry derives each unwritten count again from deliveries and
   * cursors that are not yet written either, and leaves the written ones (settled). Totals go
   * before cursors so that a retry after a failure in between finds the totals already at this
   * checkpoint (settled) and derives each unwritten cursor again from its stored state. The feed
   * goes last before the checkpoint: entries (overwritten by position with the same content on a
   * retry), then the heads, each remembering where this batch started numbering.
   */
  private async applyBatch(
    projection: string,
    changes: readonly ReadModelChange[],
    checkpoint: GlobalPosition,
    session?: ClientSession,
    options: { parked?: boolean } = {},
  ): Promise<AppliedBatch> {
    const { parked = false } = options;
    const base = await this.loadBase(documentKeys(changes), checkpoint, session, parked);
    const reads = await this.loadReads(readKeys(base, changes), checkpoint, session, parked);
    const { writes, deltas } = projectBatch(
      {
        ...base,
        ...reads.documents,
        settled: base.settled && {
          ...base.settled,
          counts: [...(base.settled.counts ?? []), ...reads.settledCounts],
        },
      },
      changes,
    );
    const heads = await this.loadFeedHeads(feedUsers(deltas), checkpoint, session);
    const feed = feedEntries(deltas, heads, this.feedRetention);
    const at = { position: checkpoint };
    await this.write(
      this.counts,
      writes.counts.map((c) => countsWrite(c, checkpoint, parked)),
      session,
    );
    await this.write(
      this.messages,
      writes.messages.map((m) =>
        insertIfAbsent<MessageDoc>(
          { conversationId: m.conversationId, sequence: m.sequence },
          { ...m, ...at },
        ),
      ),
      session,
    );
    await this.write(
      this.receipts,
      [
        ...writes.recipients.map((r) =>
          insertIfAbsent<ReceiptDoc>(
            { conversationId: r.conversationId, sequence: r.sequence, userId: r.userId },
            toReceiptDoc(r, checkpoint),
          ),
        ),
        ...writes.deliveries.map((r): AnyBulkWriteOperation<ReceiptDoc> => ({
          updateOne: {
            filter: {
              conversationId: r.conversationId,
              sequence: r.sequence,
              userId: r.userId,
              deliveredAt: null,
            },
            update: {
              $set: { deliveredAt: r.deliveredAt, deliveredDeviceId: r.deliveredDevice, ...at },
            },
          },
        })),
      ],
      session,
    );
    await this.write(
      this.steps,
      writes.steps.map((step) =>
        insertIfAbsent<StepDoc>(
          { conversationId: step.conversationId, userId: step.userId, upTo: step.upTo },
          { ...step, ...at },
        ),
      ),
      session,
    );
    await this.write(
      this.unread,
      writes.totals.map(({ userId, total }) => ({
        updateOne: {
          filter: { _id: userId, position: olderThan(checkpoint, parked) },
          update: { $set: { total, position: checkpoint } },
          upsert: true,
        },
      })),
      session,
    );
    await this.write(
      this.cursors,
      writes.cursors.map((c) => cursorWrite(c, checkpoint, parked)),
      session,
    );
    await this.writeFeed(feed, heads, checkpoint, session);
    if (parked) return { deltas, feed: feed.entries };
    await this.checkpoints.updateOne(
      { _id: projection },
      { $set: { position: checkpoint } },
      { upsert: true, session },
    );
    return { deltas, feed: feed.entries };
  }

  /** A head this very batch already moved (an interrupted attempt) counts from where it began. */
  private async loadFeedHeads(
    userIds: readonly string[],
    checkpoint: GlobalPosition,
    session?: ClientSession,
  ): Promise<Map<string, number>> {
    if (userIds.length === 0) return new Map();
    const docs = await this.feedHeads.find({ _id: { $in: [...userIds] } }, { session }).toArray();
    return new Map(
      docs.map((d) => [d._id, Number(BigInt(d.position) === checkpoint ? d.before : d.head)]),
    );
  }

  private async writeFeed(
    { entries, heads, prune }: FeedWrites,
    before: ReadonlyMap<string, number>,
    checkpoint: GlobalPosition,
    session?: ClientSession,
  ): Promise<void> {
    await this.write(
      this.feedEntries,
      entries.map((e): AnyBulkWriteOperation<FeedEntryDoc> => ({
        replaceOne: {
          filter: { userId: e.userId, feedPosition: e.position },
          replacement: toFeedEntryDoc(e, checkpoint),
          upsert: true,
        },
      })),
      session,
    );
    await this.write(
      this.feedEntries,
      prune.map(({ userId, head }) => ({
        deleteMany: { filter: { userId, feedPosition: { $lte: head } } },
      })),
      session,
    );
    await this.write(
      this.feedHeads,
      heads.map(({ userId, head }) => ({
        updateOne: {
          filter: { _id: userId, position: { $lt: checkpoint } },
          update: { $set: { head, before: before.get(userId) ?? 0, position: checkpoint } },
          upsert: true,
        },
      })),
      session,
    );
  }

  async feedPage(userId: string, after: number, limit: number): Promise<StoredFeedPage> {
    const [head, first, docs] = await Promise.all([
      this.feedHeads.findOne({ _id: userId }),
      this.feedEntries.findOne({ userId }, { sort: { feedPosition: 1 } }),
      this.feedEntries
        .find({ userId, feedPosition: { $gt: after } }, { sort: { feedPosition: 1 }, limit })
        .toArray(),
    ]);
    // Three reads, not one snapshot: a batch committed in between may have added entries.
    const entries = docs.map(toFeedEntry);
    const headPosition = Math.max(head ? Number(head.head) : 0, entries.at(-1)?.position ?? 0);
    return {
      entries,
      head: headPosition,
      firstKept: first ? Number(first.feedPosition) : headPosition + 1,
    };
  }

  /**
   * A message stored at exactly this checkpoint was stored by an earlier, unfinished attempt at
   * this same batch: it is left out, so that the projection derives its effects again (the
   * writes are guarded). Cursors and totals at or past the checkpoint already reflect the batch.
   */
  private async loadBase(
    keys: DocumentKeys,
    checkpoint: GlobalPosition,
    session?: ClientSession,
    parked = false,
  ): Promise<BaseDocuments> {
    const messageBranches = [
      ...[...groupBy(keys.messageSlots, (k) => k.conversationId)].map(([conversationId, ks]) => ({
        conversationId,
        sequence: { $in: ks.map((k) => k.sequence) },
      })),
      ...[...groupBy(keys.messageIds, (k) => k.conversationId)].map(([conversationId, ks]) => ({
        conversationId,
        messageId: { $in: ks.map((k) => k.messageId) },
      })),
    ];
    const cursorBranches = [...groupBy(keys.cursors, (k) => k.conversationId)].map(
      ([conversationId, ks]) => ({ conversationId, userId: { $in: ks.map((k) => k.userId) } }),
    );
    const slotBranches = [...groupBy(keys.messageSlots, (k) => k.conversationId)].map(
      ([conversationId, ks]) => ({ conversationId, sequence: { $in: ks.map((k) => k.sequence) } }),
    );
    const [messages, receipts, cursors, totals, counts] = await Promise.all([
      findAny(this.messages, messageBranches, session),
      findAny(
        this.receipts,
        keys.recipients.map(({ conversationId, sequence, userId }) => ({
          conversationId,
          sequence,
          userId,
        })),
        session,
      ),
      findAny(this.cursors, cursorBranches, session),
      keys.totals.length === 0
        ? Promise.resolve([])
        : this.unread.find({ _id: { $in: [...keys.totals] } }, { session }).toArray(),
      findAny(this.counts, slotBranches, session),
    ]);
    if (parked) {
      // A parked event's changes meet documents that later batches wrote: none of them is its.
      return {
        messages: messages.map(toMessage),
        recipients: receipts.map(toRecipientRow),
        cursors: cursors.map(toCursor),
        totals: totals.map((t) => ({ userId: t._id, total: Number(t.total) })),
        counts: counts.map(toCounts),
      };
    }
    return {
      messages: messages.filter((m) => BigInt(m.position) !== checkpoint).map(toMessage),
      recipients: receipts.map(toRecipientRow),
      cursors: cursors.map(toCursor),
      totals: totals.map((t) => ({ userId: t._id, total: Number(t.total) })),
      counts: counts.map(toCounts),
      settled: {
        cursors: cursors.filter((c) => isAtOrPast(c, checkpoint)),
        totals: totals.filter((t) => isAtOrPast(t, checkpoint)).map((t) => t._id),
        counts: counts.filter((c) => isAtOrPast(c, checkpoint)),
      },
    };
  }

  /** The reads' covered messages with their counts (those this batch already wrote: settled). */
  private async loadReads(
    keys: ReadKeys,
    checkpoint: GlobalPosition,
    session?: ClientSession,
    parked = false,
  ): Promise<{ documents: ReadDocuments; settledCounts: MessageSlot[] }> {
    const covered = await Promise.all(
      keys.covered.map(
        async (k) =>
          [
            k.change,
            await this.addressedTo(
              k.conversationId,
              k.userId,
              k.fromExclusive,
              k.toInclusive,
              Infinity,
              session,
            ),
          ] as const,
      ),
    );
    const slots = [
      ...groupBy(
        covered.flatMap(([, messages]) => messages),
        (m) => m.conversationId,
      ),
    ];
    const counts = await findAny(
      this.counts,
      slots.map(([conversationId, ms]) => ({
        conversationId,
        sequence: { $in: ms.map((m) => m.sequence) },
      })),
      session,
    );
    return {
      documents: {
        covered: new Map(covered),
        unreadAbove: await this.unreadAbove(keys, session),
        coveredCounts: counts.map(toCounts),
      },
      settledCounts: parked ? [] : counts.filter((c) => isAtOrPast(c, checkpoint)),
    };
  }

  /**
   * How many of each reader's receipts lie above a sequence: countDocuments' own $match/$group,
   * grouped by cursor. A cursor read twice in one batch has a key per read, so keys go in rounds
   * that hold at most one key per cursor (one round, unless a batch moves a cursor twice).
   */
  private async unreadAbove(keys: ReadKeys, session?: ClientSession): Promise<number[]> {
    const rounds: number[][] = [];
    const seen = new Map<string, number>();
    keys.unreadAbove.forEach((key, index) => {
      const round = seen.get(cursorKey(key)) ?? 0;
      seen.set(cursorKey(key), round + 1);
      (rounds[round] ??= []).push(index);
    });
    const counts: number[] = [];
    for (const round of rounds) {
      const found = await this.countAbove(
        round.map((index) => keys.unreadAbove[index]!),
        session,
      );
      round.forEach((index, i) => (counts[index] = found[i]!));
    }
    return counts;
  }

  private async countAbove(
    keys: ReadKeys['unreadAbove'],
    session?: ClientSession,
  ): Promise<number[]> {
    const found = new Map<string, number>();
    for (let i = 0; i < keys.length; i += RECOUNT_CHUNK) {
      const chunk = keys.slice(i, i + RECOUNT_CHUNK);
      const counts = await this.receipts
        .aggregate<{ _id: { userId: string; conversationId: string }; n: number | bigint }>(
          [
            {
              $match: {
                $or: chunk.map(({ conversationId, userId, above, excluding }) => ({
                  conversationId,
                  userId,
                  sequence: { $gt: above, $nin: [...excluding] },
                })),
              },
            },
            {
              $group: {
                _id: { userId: '$userId', conversationId: '$conversationId' },
                n: { $sum: 1 },
              },
            },
          ],
          { session },
        )
        .toArray();
      for (const c of counts) found.set(cursorKey(c._id), Number(c.n));
    }
    return keys.map((k) => found.get(cursorKey(k)) ?? 0);
  }

  /**
   * Ordered bulk write. Outside a transaction, a duplicate key from a guarded upsert means a
   * newer write got there first (already applied): skip that operation and go on with the rest.
   * Inside one, the server has aborted the transaction, so the error must reach withTransaction.
   */
  private async write<T extends Document>(
    collection: Collection<T>,
    operations: readonly AnyBulkWriteOperation<T>[],
    session?: ClientSession,
  ): Promise<void> {
    let rest = operations;
    while (rest.length > 0) {
      try {
        await collection.bulkWrite([...rest], { ordered: true, session });
        return;
      } catch (error) {
        const skipped = session ? undefined : duplicateKeyAt(error);
        if (skipped === undefined) throw error;
        rest = rest.slice(skipped + 1);
      }
    }
  }

  loadControl(projection: string): Promise<ProjectionControl> {
    return this.control.load(projection);
  }

  setState(projection: string, state: ProjectionState, at: Date): Promise<void> {
    return this.control.setState(projection, state, at);
  }

  recordError(projection: string, message: string, at: Date): Promise<void> {
    return this.control.recordError(projection, message, at);
  }

  claimRebuild(
    projection: string,
    lease: RebuildLease,
    replacing: string | null,
  ): Promise<boolean> {
    return this.control.claimRebuild(projection, lease, replacing);
  }

  renewRebuild(projection: string, lease: RebuildLease): Promise<boolean> {
    return this.control.renewRebuild(projection, lease);
  }

  releaseRebuild(projection: string, owner: string): Promise<void> {
    return this.control.releaseRebuild(projection, owner);
  }

  park(projection: string, event: ParkedEvent): Promise<void> {
    return this.control.park(projection, event);
  }

  parkedEvents(projection: string): Promise<ParkedEvent[]> {
    return this.control.parkedEvents(projection);
  }

  countParked(projection: string): Promise<number> {
    return this.control.countParked(projection);
  }

  /**
   * Writes at the current checkpoint and removes the parked record last, in one transaction
   * where the deployment has them. On a standalone server the projection should be paused first
   * (docs/OPERATIONS.md): a concurrent batch's cursor writes are not isolated from it.
   */
  async applyParked(
    projection: string,
    position: GlobalPosition,
    changes: readonly ReadModelChange[],
  ): Promise<readonly ReceiptDelta[]> {
    const stamp = (await this.loadCheckpoint(projection)) ?? position;
    const run = async (session?: ClientSession): Promise<readonly ReceiptDelta[]> => {
      if (!(await this.control.isParked(projection, position, session))) return [];
      const { deltas } = await this.applyBatch(projection, changes, stamp, session, {
        parked: true,
      });
      await this.control.unpark(projection, position, session);
      return deltas;
    };
    if (!this.transactions) return run();
    const session = this.client.startSession();
    try {
      return await session.withTransaction(() => run(session), {
        readConcern: { level: 'snapshot' },
        writeConcern: { w: 'majority' },
      });
    } finally {
      await session.endSession();
    }
  }

  /**
   * Run by the projector between its batches, so no batch of its own writes these documents
   * meanwhile; the fixes keep each document's position (they change no checkpoint's meaning).
   */
  async recountUnread(keys: readonly CursorKey[]): Promise<UnreadRepair[]> {
    const repairs: UnreadRepair[] = [];
    for (const { userId, conversationId } of keys) {
      const cursor = await this.cursors.findOne({ userId, conversationId });
      if (!cursor) continue;
      const stored = Number(cursor.unread);
      const recounted = await this.receipts.countDocuments({
        conversationId,
        userId,
        sequence: { $gt: cursor.readUpTo },
      });
      if (recounted === stored) continue;
      await this.cursors.updateOne({ userId, conversationId }, { $set: { unread: recounted } });
      repairs.push({ model: 'read_cursors', userId, conversationId, stored, recounted });
    }
    for (const userId of new Set(keys.map((k) => k.userId))) {
      const [sum] = await this.cursors
        .aggregate<{ total: number | bigint }>([
          { $match: { userId } },
          { $group: { _id: null, total: { $sum: '$unread' } } },
        ])
        .toArray();
      const recounted = Number(sum?.total ?? 0);
      const doc = await this.unread.findOne({ _id: userId });
      const stored = doc ? Number(doc.total) : 0;
      if (recounted === stored) continue;
      await this.unread.updateOne(
        { _id: userId },
        { $set: { total: recounted }, $setOnInsert: { position: 0n } },
        { upsert: true },
      );
      repairs.push({ model: 'user_unread', userId, stored, recounted });
    }
    return repairs;
  }

  async loadCheckpoint(projection: string): Promise<GlobalPosition | null> {
    const doc = await this.checkpoints.findOne({ _id: projection });
    return doc ? BigInt(doc.position) : null;
  }

  async storeCheckpoint(projection: string, position: GlobalPosition): Promise<void> {
    await this.checkpoints.updateOne({ _id: projection }, { $set: { position } }, { upsert: true });
  }

  /** The checkpoint goes first: an interrupted reset never leaves one over emptied read models. */
  async reset(projection: string): Promise<void> {
    await this.checkpoints.deleteOne({ _id: projection });
    for (const base of Object.values(READ_MODELS))
      await this.db.collection(this.named(base)).drop();
    await this.init();
  }

  private get audit(): MongoReadModelAudit {
    return new MongoReadModelAudit(this.client, this.db, this.transactions);
  }

  snapshot(projection: string): Promise<ReadModelSnapshot> {
    return this.audit.snapshot(projection);
  }

  patch(
    projection: string,
    expected: GlobalPosition | null,
    patch: ReadModelPatch,
    record: DriftRepairRecord,
  ): Promise<boolean> {
    return this.audit.patch(projection, expected, patch, record);
  }

  driftRepairs(): Promise<DriftRepairRecord[]> {
    return this.audit.driftRepairs();
  }

  async findMessage(conversationId: string, messageId: string): Promise<MessageDocument | null> {
    const doc = await this.messages.findOne({ conversationId, messageId });
    return doc ? toMessage(doc) : null;
  }

  /** The user's receipts in the range (one index range scan), then their messages by sequence. */
  messagesTo(
    conversationId: string,
    userId: string,
    fromExclusive: number,
    toInclusive: number,
    limit: number,
  ): Promise<AddressedMessage[]> {
    return this.addressedTo(conversationId, userId, fromExclusive, toInclusive, limit);
  }

  private async addressedTo(
    conversationId: string,
    userId: string,
    fromExclusive: number,
    toInclusive: number,
    limit: number,
    session?: ClientSession,
  ): Promise<AddressedMessage[]> {
    if (limit <= 0) return [];
    const found = this.receipts
      .find(
        { conversationId, userId, sequence: { $gt: fromExclusive, $lte: toInclusive } },
        { projection: { sequence: 1, deliveredAt: 1 }, session },
      )
      .sort({ sequence: 1 });
    const receipts = await (Number.isFinite(limit) ? found.limit(limit) : found).toArray();
    if (receipts.length === 0) return [];
    const messages = await this.messages
      .find({ conversationId, sequence: { $in: receipts.map((r) => r.sequence) } }, { session })
      .toArray();
    const bySequence = new Map(messages.map((m) => [m.sequence, toMessage(m)]));
    return receipts.flatMap(({ sequence, deliveredAt }) => {
      const message = bySequence.get(sequence);
      return message ? [{ ...message, deliveredAt }] : [];
    });
  }

  /**
   * One indexed query for the recipients, then per recipient two seeks into their read steps
   * (first step covering the sequence, first shared one), issued concurrently: 1 + 2 x recipients
   * index lookups, none of which grows with the number of messages read.
   */
  async recipientFacts(conversationId: string, sequence: number): Promise<RecipientFacts[]> {
    const receipts = await this.receipts
      .find({ conversationId, sequence })
      .sort({ userId: 1 })
      .toArray();
    const firstStep = (userId: string, sharedOnly: boolean) =>
      this.steps.findOne(
        {
          conversationId,
          userId,
          upTo: { $gte: sequence },
          ...(sharedOnly ? { shared: true } : {}),
        },
        { sort: { upTo: 1 } },
      );
    return Promise.all(
      receipts.map(async (receipt): Promise<RecipientFacts> => {
        const [shared, any] = await Promise.all([
          firstStep(receipt.userId, true),
          firstStep(receipt.userId, false),
        ]);
        return {
          userId: receipt.userId,
          deliveredAt: receipt.deliveredAt,
          deliveredDeviceId: receipt.deliveredDeviceId,
          sharedRead: shared ? { at: shared.readAt, deviceId: shared.deviceId } : null,
          anyReadAt: any?.readAt ?? null,
        };
      }),
    );
  }

  async recipientCounts(conversationId: string, sequence: number): Promise<RecipientCounts> {
    const doc = await this.counts.findOne({ conversationId, sequence });
    return { delivered: Number(doc?.delivered ?? 0), read: Number(doc?.read ?? 0) };
  }

  async findCursor(userId: string, conversationId: string): Promise<ReadCursorDocument | null> {
    const doc = await this.cursors.findOne({ userId, conversationId });
    return doc ? toCursor(doc) : null;
  }

  async cursorsOf(userId: string): Promise<ReadCursorDocument[]> {
    const docs = await this.cursors.find({ userId }).sort({ conversationId: 1 }).toArray();
    return docs.map(toCursor);
  }

  async totalUnread(userId: string): Promise<number> {
    const doc = await this.unread.findOne({ _id: userId });
    return doc ? Number(doc.total) : 0;
  }

  async close(): Promise<void> {
    if (this.ownsClient) await this.client.close();
  }
}

/** Guarded upsert: writes only over an older state; a duplicate key means a newer one is there. */
const guardedUpsert = <T extends Positioned>(
  key: Filter<T>,
  document: Omit<T, 'position'>,
  checkpoint: GlobalPosition,
  parked: boolean,
): AnyBulkWriteOperation<T> => ({
  updateOne: {
    filter: { ...key, position: olderThan(checkpoint, parked) },
    update: { $set: { ...document, position: checkpoint } } as UpdateFilter<T>,
    upsert: true,
  },
});

const cursorWrite = (cursor: ReadCursorDocument, checkpoint: GlobalPosition, parked: boolean) =>
  guardedUpsert<CursorDoc>(
    { userId: cursor.userId, conversationId: cursor.conversationId },
    cursor,
    checkpoint,
    parked,
  );

const countsWrite = (counts: MessageCounts, checkpoint: GlobalPosition, parked: boolean) =>
  guardedUpsert<CountsDoc>(
    { conversationId: counts.conversationId, sequence: counts.sequence },
    counts,
    checkpoint,
    parked,
  );

const toCounts = (doc: MessageCounts): MessageCounts => ({
  conversationId: doc.conversationId,
  sequence: Number(doc.sequence),
  delivered: Number(doc.delivered),
  read: Number(doc.read),
});

/**
 * The guard of a cursor or total write: only over an older state. A parked event's changes are
 * written at the current checkpoint, over documents the checkpoint's own batch may have written.
 */
const olderThan = (checkpoint: GlobalPosition, parked: boolean) =>
  parked ? { $lte: checkpoint } : { $lt: checkpoint };

/** Facts never change once stored: insert the document unless its key is already there. */
const insertIfAbsent = <T extends Document>(key: Filter<T>, doc: T): AnyBulkWriteOperation<T> => ({
  updateOne: { filter: key, update: { $setOnInsert: doc }, upsert: true },
});

const isAtOrPast = (doc: Positioned | undefined, checkpoint: GlobalPosition): boolean =>
  doc !== undefined && BigInt(doc.position) >= checkpoint;

/** The index of the duplicate-key failure that stopped an ordered bulk write, if that is all it was. */
const duplicateKeyAt = (error: unknown): number | undefined => {
  if (!(error instanceof MongoBulkWriteError) || error.err) return undefined;
  const failures = [error.writeErrors].flat();
  const [first] = failures;
  return first && failures.every((f) => f.code === DUPLICATE_KEY) ? first.index : undefined;
};

const groupBy = <T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> => {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
};

const cursorKey = ({
  userId,
  conversationId,
}: {
  userId: string;
  conversationId: string;
}): string => JSON.stringify([userId, conversationId]);

const toCursor = (doc: ReadCursorDocument): ReadCursorDocument => ({
  userId: doc.userId,
  conversationId: doc.conversationId,
  readUpTo: doc.readUpTo,
  sharedReadUpTo: doc.sharedReadUpTo,
  unread: Number(doc.unread),
  lastReadAt: doc.lastReadAt,
});

const toFeedEntryDoc = (e: FeedEntry, position: GlobalPosition): FeedEntryDoc => ({
  userId: e.userId,
  feedPosition: e.position,
  deviceId: e.deviceId,
  change: e.change,
  position,
});

const toFeedEntry = (doc: FeedEntryDoc): FeedEntry => ({
  userId: doc.userId,
  position: Number(doc.feedPosition),
  deviceId: doc.deviceId,
  change: doc.change,
});

const toMessage = (doc: MessageDocument): MessageDocument => ({
  conversationId: doc.conversationId,
  messageId: doc.messageId,
  sequence: doc.sequence,
  senderId: doc.senderId,
  sentAt: doc.sentAt,
  recipientCount: doc.recipientCount,
});

/** Documents matching any of the filters; none when there is no filter. */
const findAny = <T extends Document>(
  collection: Collection<T>,
  branches: readonly Filter<T>[],
  session?: ClientSession,
): Promise<T[]> =>
  branches.length === 0
    ? Promise.resolve([])
    : (collection.find({ $or: [...branches] } as Filter<T>, { session }).toArray() as Promise<T[]>);

const toReceiptDoc = (row: RecipientRow, position: GlobalPosition): ReceiptDoc => ({
  conversationId: row.conversationId,
  sequence: row.sequence,
  userId: row.userId,
  deliveredAt: row.deliveredAt,
  deliveredDeviceId: row.deliveredDevice,
  position,
});

const toRecipientRow = (doc: ReceiptDoc): RecipientRow => ({
  conversationId: doc.conversationId,
  sequence: doc.sequence,
  userId: doc.userId,
  deliveredAt: doc.deliveredAt,
  deliveredDevice: doc.deliveredDeviceId,
});
