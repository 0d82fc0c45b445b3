import {
  type AnyBulkWriteOperation,
  type ClientSession,
  type Collection,
  type Db,
  type Document,
  type Filter,
  type IndexDescription,
  MongoBulkWriteError,
  MongoClient,
  MongoServerError,
} from 'mongodb';
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
import type { StepRow } from './read-model-rows';
import type { ReadStore } from './read-store';

type Change<K extends ReadModelChange['kind']> = Extract<ReadModelChange, { kind: K }>;

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
type CheckpointDoc = { _id: string; position: GlobalPosition };

const READ_MODELS = {
  messages: 'messages',
  receipts: 'recipient_receipts',
  cursors: 'read_cursors',
  steps: 'read_steps',
  unread: 'user_unread',
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
  private transactions = false;

  /** The store owns the client: `close()` closes it. Call `init()` before use, or use `connect()`. */
  constructor(
    private readonly client: MongoClient,
    dbName: string,
  ) {
    // Positions are 64-bit: read them back as bigint, never as a rounded number.
    this.db = client.db(dbName, { useBigInt64: true });
  }

  static async connect(url: string, dbName: string): Promise<MongoReadStore> {
    const store = new MongoReadStore(await new MongoClient(url).connect(), dbName);
    await store.init();
    return store;
  }

  /** Idempotent: creates what is missing, and learns whether the deployment has transactions. */
  async init(): Promise<void> {
    for (const name of [...Object.values(READ_MODELS), CHECKPOINTS]) {
      // Created up front: a transaction must not be the first to write to a collection.
      await this.db.createCollection(name).catch((error: unknown) => {
        if (!(error instanceof MongoServerError && error.code === NAMESPACE_EXISTS)) throw error;
      });
      const indexes = INDEXES[name];
      if (indexes) await this.db.collection(name).createIndexes(indexes);
    }
    const hello = await this.db.admin().command({ hello: 1 });
    this.transactions = typeof hello.setName === 'string' || hello.msg === 'isdbgrid';
  }

  private get messages(): Collection<MessageDoc> {
    return this.db.collection<MessageDoc>(READ_MODELS.messages);
  }
  private get receipts(): Collection<ReceiptDoc> {
    return this.db.collection<ReceiptDoc>(READ_MODELS.receipts);
  }
  private get cursors(): Collection<CursorDoc> {
    return this.db.collection<CursorDoc>(READ_MODELS.cursors);
  }
  private get steps(): Collection<StepDoc> {
    return this.db.collection<StepDoc>(READ_MODELS.steps);
  }
  private get unread(): Collection<UnreadDoc> {
    return this.db.collection<UnreadDoc>(READ_MODELS.unread);
  }
  private get checkpoints(): Collection<CheckpointDoc> {
    return this.db.collection<CheckpointDoc>(CHECKPOINTS);
  }

  async apply(
    projection: string,
    changes: readonly ReadModelChange[],
    checkpoint: GlobalPosition,
  ): Promise<void> {
    if (!this.transactions) return this.applyBatch(projection, changes, checkpoint);
    const session = this.client.startSession();
    try {
      // The callback recomputes everything from what it reads, so the driver may rerun it.
      await session.withTransaction(
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
   * Loads what the batch touches, folds the changes over it in log order, then writes: the facts
   * (messages, receipts, steps), the recount, the totals, the cursors, and last the checkpoint.
   * Totals go before cursors so that a retry after a failure in between finds the totals already
   * guarded and derives each cursor again from its unwritten state.
   */
  private async applyBatch(
    projection: string,
    changes: readonly ReadModelChange[],
    checkpoint: GlobalPosition,
    session?: ClientSession,
  ): Promise<void> {
    const batch = new Batch(
      checkpoint,
      await this.loadMessages(changes, session),
      await this.loadCursors(changes, session),
    );
    for (const change of changes) batch.fold(change);
    await this.write(this.messages, batch.messages, session);
    await this.write(this.receipts, batch.receipts, session);
    await this.write(this.steps, batch.steps, session);
    await this.recount(batch.moved(), session);
    const cursors = batch.changedCursors();
    await this.write(this.unread, await this.totals(cursors, checkpoint, session), session);
    await this.write(
      this.cursors,
      cursors.map((c) => cursorWrite(c.after, checkpoint)),
      session,
    );
    await this.checkpoints.updateOne(
      { _id: projection },
      { $set: { position: checkpoint } },
      { upsert: true, session },
    );
  }

  private async loadMessages(changes: readonly ReadModelChange[], session?: ClientSession) {
    const byConversation = groupBy(kindOf(changes, 'message_registered'), (r) => r.conversationId);
    if (byConversation.size === 0) return [];
    const branches = [...byConversation].flatMap(([conversationId, registered]) => [
      { conversationId, sequence: { $in: registered.map((r) => r.sequence) } },
      { conversationId, messageId: { $in: registered.map((r) => r.messageId) } },
    ]);
    return this.messages.find({ $or: branches }, { session }).toArray();
  }

  private async loadCursors(changes: readonly ReadModelChange[], session?: ClientSession) {
    const readers = changes.flatMap((change) =>
      change.kind === 'message_registered'
        ? change.recipientIds.map((userId) => ({ userId, conversationId: change.conversationId }))
        : change.kind === 'cursor_moved'
          ? [{ userId: change.userId, conversationId: change.conversationId }]
          : [],
    );
    const byConversation = groupBy(readers, (r) => r.conversationId);
    if (byConversation.size === 0) return [];
    const branches = [...byConversation].map(([conversationId, rs]) => ({
      conversationId,
      userId: { $in: [...new Set(rs.map((r) => r.userId))] },
    }));
    return this.cursors.find({ $or: branches }, { session }).toArray();
  }

  /**
   * A moved cursor's unread is the count of the reader's receipts above it, taken after this
   * batch's receipts are written: countDocuments' own $match/$group, for many cursors at once.
   */
  private async recount(moved: readonly CursorPlan[], session?: ClientSession): Promise<void> {
    for (let i = 0; i < moved.length; i += RECOUNT_CHUNK) {
      const chunk = moved.slice(i, i + RECOUNT_CHUNK);
      const counts = await this.receipts
        .aggregate<{ _id: { userId: string; conversationId: string }; n: number | bigint }>(
          [
            {
              $match: {
                $or: chunk.map(({ after }) => ({
                  conversationId: after.conversationId,
                  userId: after.userId,
                  sequence: { $gt: after.readUpTo },
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
      const byCursor = new Map(counts.map((c) => [cursorKey(c._id), Number(c.n)]));
      for (const plan of chunk) {
        plan.after = { ...plan.after, unread: byCursor.get(cursorKey(plan.after)) ?? 0 };
      }
    }
  }

  /** New totals for the readers whose unread changed; a total already at this checkpoint stays. */
  private async totals(
    cursors: readonly CursorPlan[],
    checkpoint: GlobalPosition,
    session?: ClientSession,
  ): Promise<AnyBulkWriteOperation<UnreadDoc>[]> {
    const deltas = new Map<string, number>();
    for (const { before, after } of cursors) {
      deltas.set(after.userId, (deltas.get(after.userId) ?? 0) + after.unread - before.unread);
    }
    for (const [userId, delta] of deltas) if (delta === 0) deltas.delete(userId);
    if (deltas.size === 0) return [];
    const current = await this.unread
      .find({ _id: { $in: [...deltas.keys()] } }, { session })
      .toArray();
    const known = new Map(current.map((doc) => [doc._id, doc]));
    return [...deltas]
      .filter(([userId]) => !isAtOrPast(known.get(userId), checkpoint))
      .map(([userId, delta]) => ({
        updateOne: {
          filter: { _id: userId, position: { $lt: checkpoint } },
          update: {
            $set: { total: Number(known.get(userId)?.total ?? 0) + delta, position: checkpoint },
          },
          upsert: true,
        },
      }));
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
    for (const name of Object.values(READ_MODELS)) await this.db.collection(name).drop();
    await this.init();
  }

  async findMessage(conversationId: string, messageId: string): Promise<MessageDocument | null> {
    const doc = await this.messages.findOne({ conversationId, messageId });
    return doc ? toMessage(doc) : null;
  }

  /** The user's receipts in the range (one index range scan), then their messages by sequence. */
  async messagesTo(
    conversationId: string,
    userId: string,
    fromExclusive: number,
    toInclusive: number,
    limit: number,
  ): Promise<AddressedMessage[]> {
    if (limit <= 0) return [];
    const receipts = await this.receipts
      .find(
        { conversationId, userId, sequence: { $gt: fromExclusive, $lte: toInclusive } },
        { projection: { sequence: 1, deliveredAt: 1 } },
      )
      .sort({ sequence: 1 })
      .limit(limit)
      .toArray();
    if (receipts.length === 0) return [];
    const messages = await this.messages
      .find({ conversationId, sequence: { $in: receipts.map((r) => r.sequence) } })
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

  /** Two indexed queries: the message's recipients, then their cursors in this conversation. */
  async recipientCounts(conversationId: string, sequence: number): Promise<RecipientCounts> {
    const receipts = await this.receipts
      .find({ conversationId, sequence }, { projection: { userId: 1, deliveredAt: 1 } })
      .toArray();
    const cursors = await this.cursors
      .find(
        { userId: { $in: receipts.map((r) => r.userId) }, conversationId },
        { projection: { userId: 1, readUpTo: 1, sharedReadUpTo: 1 } },
      )
      .toArray();
    const cursorOf = new Map(cursors.map((c) => [c.userId, c]));
    let delivered = 0;
    let read = 0;
    for (const { userId, deliveredAt } of receipts) {
      const cursor = cursorOf.get(userId);
      if (deliveredAt !== null || (cursor?.readUpTo ?? 0) >= sequence) delivered += 1;
      if ((cursor?.sharedReadUpTo ?? 0) >= sequence) read += 1;
    }
    return { delivered, read };
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
    await this.client.close();
  }
}

type CursorPlan = { before: ReadCursorDocument; after: ReadCursorDocument; moved: boolean };

/**
 * One batch folded over the documents it touches, as SQLite applies it row by row: the facts to
 * insert if absent and the cursors' new states. A cursor already at or past the checkpoint
 * reflects this batch and is left alone; a message stored at exactly this checkpoint was stored
 * by an earlier, unfinished attempt at this same batch, so its effects are derived again.
 */
class Batch {
  readonly messages: AnyBulkWriteOperation<MessageDoc>[] = [];
  readonly receipts: AnyBulkWriteOperation<ReceiptDoc>[] = [];
  readonly steps: AnyBulkWriteOperation<StepDoc>[] = [];
  private readonly bySequence = new Map<string, MessageDoc>();
  private readonly byMessageId = new Map<string, MessageDoc>();
  private readonly registered = new Set<string>();
  private readonly stored = new Map<string, CursorDoc>();
  private readonly plans = new Map<string, CursorPlan | null>();

  constructor(
    private readonly checkpoint: GlobalPosition,
    messages: readonly MessageDoc[],
    cursors: readonly CursorDoc[],
  ) {
    for (const message of messages) this.remember(message);
    for (const cursor of cursors) this.stored.set(cursorKey(cursor), cursor);
  }

  fold(change: ReadModelChange): void {
    switch (change.kind) {
      case 'message_registered':
        return this.register(change);
      case 'message_delivered':
        return this.deliver(change);
      case 'cursor_moved':
        return this.move(change);
      default: {
        const unexpected: never = change;
        return unexpected;
      }
    }
  }

  moved(): CursorPlan[] {
    return [...this.plans.values()].filter((plan): plan is CursorPlan => plan?.moved === true);
  }

  changedCursors(): CursorPlan[] {
    return [...this.plans.values()].filter(
      (plan): plan is CursorPlan => plan !== null && !sameCursor(plan.before, plan.after),
    );
  }

  private register(change: Change<'message_registered'>): void {
    const { conversationId, sequence, messageId } = change;
    const key = keyOf(conversationId, sequence);
    const atSequence = this.bySequence.get(key);
    const withId = this.byMessageId.get(keyOf(conversationId, messageId));
    const fresh = atSequence === undefined && withId === undefined;
    const unfinished =
      atSequence !== undefined && atSequence === withId && atSequence.position === this.checkpoint;
    if (this.registered.has(key) || !(fresh || unfinished)) return;
    this.registered.add(key);
    if (fresh) {
      const doc: MessageDoc = {
        conversationId,
        sequence,
        messageId,
        senderId: change.senderId,
        sentAt: change.sentAt,
        recipientCount: change.recipientIds.length,
        position: this.checkpoint,
      };
      this.remember(doc);
      this.messages.push(insertIfAbsent({ conversationId, sequence }, doc));
    }
    for (const userId of change.recipientIds) {
      const receipt: ReceiptDoc = {
        conversationId,
        sequence,
        userId,
        deliveredAt: null,
        deliveredDeviceId: null,
        position: this.checkpoint,
      };
      this.receipts.push(insertIfAbsent({ conversationId, sequence, userId }, receipt));
      const plan = this.plan(userId, conversationId);
      if (plan) plan.after = messageArrived(plan.after, sequence);
    }
  }

  /** The first delivery wins: the filter on a null deliveredAt makes a repeat change nothing. */
  private deliver(change: Change<'message_delivered'>): void {
    const { conversationId, sequence, userId } = change;
    this.receipts.push({
      updateOne: {
        filter: { conversationId, sequence, userId, deliveredAt: null },
        update: {
          $set: {
            deliveredAt: change.deliveredAt,
            deliveredDeviceId: change.deviceId,
            position: this.checkpoint,
          },
        },
      },
    });
  }

  /** Only a step that moves the cursor is kept, as in SQLite: a stale one would misdate reads. */
  private move(change: Change<'cursor_moved'>): void {
    const { conversationId, userId, readUpToSequence } = change;
    const plan = this.plan(userId, conversationId);
    if (!plan || readUpToSequence <= plan.after.readUpTo) return;
    const step: StepDoc = {
      conversationId,
      userId,
      upTo: readUpToSequence,
      readAt: change.readAt,
      deviceId: change.deviceId,
      shared: change.receiptsShared,
      position: this.checkpoint,
    };
    this.steps.push(insertIfAbsent({ conversationId, userId, upTo: readUpToSequence }, step));
    // Unread is recounted once this batch's receipts are written (MongoReadStore.recount).
    plan.after = moveCursor(plan.after, change, () => plan.after.unread);
    plan.moved = true;
  }

  /** The cursor's plan, or null when the stored cursor already reflects this checkpoint. */
  private plan(userId: string, conversationId: string): CursorPlan | null {
    const key = cursorKey({ userId, conversationId });
    let plan = this.plans.get(key);
    if (plan === undefined) {
      const stored = this.stored.get(key);
      const before = stored ? toCursor(stored) : emptyCursor(userId, conversationId);
      plan = isAtOrPast(stored, this.checkpoint) ? null : { before, after: before, moved: false };
      this.plans.set(key, plan);
    }
    return plan;
  }

  private remember(message: MessageDoc): void {
    this.bySequence.set(keyOf(message.conversationId, message.sequence), message);
    this.byMessageId.set(keyOf(message.conversationId, message.messageId), message);
  }
}

/** Guarded upsert: writes only over an older state; a duplicate key means a newer one is there. */
const cursorWrite = (
  cursor: ReadCursorDocument,
  checkpoint: GlobalPosition,
): AnyBulkWriteOperation<CursorDoc> => ({
  updateOne: {
    filter: {
      userId: cursor.userId,
      conversationId: cursor.conversationId,
      position: { $lt: checkpoint },
    },
    update: { $set: { ...cursor, position: checkpoint } },
    upsert: true,
  },
});

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

const kindOf = <K extends ReadModelChange['kind']>(changes: readonly ReadModelChange[], kind: K) =>
  changes.filter((change): change is Change<K> => change.kind === kind);

const groupBy = <T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> => {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
};

const keyOf = (conversationId: string, part: string | number): string =>
  JSON.stringify([conversationId, part]);

const cursorKey = ({
  userId,
  conversationId,
}: {
  userId: string;
  conversationId: string;
}): string => JSON.stringify([userId, conversationId]);

const sameCursor = (a: ReadCursorDocument, b: ReadCursorDocument): boolean =>
  a.readUpTo === b.readUpTo &&
  a.sharedReadUpTo === b.sharedReadUpTo &&
  a.unread === b.unread &&
  a.lastReadAt === b.lastReadAt;

const toCursor = (doc: ReadCursorDocument): ReadCursorDocument => ({
  userId: doc.userId,
  conversationId: doc.conversationId,
  readUpTo: doc.readUpTo,
  sharedReadUpTo: doc.sharedReadUpTo,
  unread: Number(doc.unread),
  lastReadAt: doc.lastReadAt,
});

const toMessage = (doc: MessageDocument): MessageDocument => ({
  conversationId: doc.conversationId,
  messageId: doc.messageId,
  sequence: doc.sequence,
  senderId: doc.senderId,
  sentAt: doc.sentAt,
  recipientCount: doc.recipientCount,
});
