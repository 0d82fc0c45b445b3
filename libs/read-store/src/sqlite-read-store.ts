import Database from 'better-sqlite3';
import { type GlobalPosition, SqliteCheckpointer } from '@receipts/event-store';
import type {
  AddressedMessage,
  BaseDocuments,
  DocumentKeys,
  FeedChange,
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
import type { ReadModelRows } from './read-model-rows';
import type { DriftRepairRecord, ReadModelPatch, ReadModelSnapshot } from './read-model-audit';
import { SqliteReadModelAudit } from './sqlite-read-model-audit';
import type {
  ParkedEvent,
  ProjectionControl,
  ProjectionState,
  RebuildLease,
} from './projection-control';
import type { AppliedBatch, FeedOptions, ReadStore } from './read-store';
import type { CursorKey, UnreadRepair } from './unread-recount';
import { PROJECTION_CONTROL_SCHEMA, SqliteProjectionControl } from './sqlite-projection-control';
import {
  BACKFILL_MESSAGE_COUNTS,
  NEEDS_COUNT_BACKFILL,
  READ_MODEL_TABLES,
  READ_STORE_SCHEMA,
} from './sqlite-read-store.schema';

type CursorRow = {
  user_id: string;
  conversation_id: string;
  read_up_to: number;
  shared_read_up_to: number;
  unread: number;
  last_read_at: string | null;
};
type MessageRow = {
  conversation_id: string;
  sequence: number;
  message_id: string;
  sender_id: string;
  sent_at: string;
  recipient_count: number;
};
type ReceiptRow = {
  conversation_id: string;
  sequence: number;
  user_id: string;
  delivered_at: string | null;
  delivered_device: string | null;
};
type CountsRow = { conversation_id: string; sequence: number; delivered: number; read: number };
type AddressedRow = MessageRow & {
  delivered_at: string | null;
  delivered: number | null;
  read: number | null;
};
type FeedRow = { user_id: string; position: number; device_id: string | null; change: string };
type FactsRow = {
  user_id: string;
  delivered_at: string | null;
  delivered_device: string | null;
  shared_read_at: string | null;
  shared_read_device: string | null;
  any_read_at: string | null;
};

/** A recipient's first read step covering the message: one seek on the steps' primary key. */
const firstStep = (column: 'read_at' | 'device_id', sharedOnly: boolean): string =>
  `(SELECT ${column} FROM read_steps s WHERE s.conversation_id = r.conversation_id
     AND s.user_id = r.user_id AND s.up_to >= r.sequence ${sharedOnly ? 'AND s.shared = 1' : ''}
     ORDER BY s.up_to LIMIT 1)`;

/** The embedded read models: one SQLite file, each batch and its checkpoint in one transaction. */
export class SqliteReadStore implements ReadStore, SyncDocumentSource {
  private readonly db: Database.Database;
  private readonly sql;
  private readonly audit: SqliteReadModelAudit;
  private readonly control: SqliteProjectionControl;
  private readonly feedRetention: number;
  private readonly bulk: boolean;
  /** Started with the first batch written, unless bulk: a connection that only reads leaves it. */
  private checkpointer: SqliteCheckpointer | null = null;

  /**
   * @param bulk for a rebuild into a fresh file that nothing else reads until it is done: no
   *   write-ahead log, no disk flushes, one connection holding the file and a large page cache.
   *   A crash leaves a file to delete and rebuild again, never a live one damaged.
   */
  constructor(
    file: string,
    { bulk = false, feedRetention = DEFAULT_FEED_RETENTION }: { bulk?: boolean } & FeedOptions = {},
  ) {
    this.feedRetention = feedRetention;
    this.bulk = bulk;
    this.db = new Database(file);
    if (bulk) {
      this.db.pragma('journal_mode = MEMORY');
      this.db.pragma('synchronous = OFF');
      this.db.pragma('locking_mode = EXCLUSIVE');
      this.db.pragma('cache_size = -262144');
    } else {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma('cache_size = -32768');
    }
    this.db.pragma('busy_timeout = 10000');
    this.db.exec(READ_STORE_SCHEMA);
    if (this.db.prepare(NEEDS_COUNT_BACKFILL).pluck().get() === 1) {
      this.db.exec(BACKFILL_MESSAGE_COUNTS);
    }
    this.audit = new SqliteReadModelAudit(this.db);
    this.db.exec(PROJECTION_CONTROL_SCHEMA);
    this.control = new SqliteProjectionControl(this.db);
    const prepare = (sql: string) => this.db.prepare(sql);
    this.sql = {
      insertMessage: prepare(`INSERT OR IGNORE INTO messages VALUES (?, ?, ?, ?, ?, ?)`),
      insertRecipient: prepare(
        `INSERT OR IGNORE INTO recipient_receipts VALUES (?, ?, ?, NULL, NULL)`,
      ),
      deliver: prepare(
        `UPDATE recipient_receipts SET delivered_at = ?, delivered_device = ?
         WHERE conversation_id = ? AND sequence = ? AND user_id = ? AND delivered_at IS NULL`,
      ),
      insertStep: prepare(`INSERT OR IGNORE INTO read_steps VALUES (?, ?, ?, ?, ?, ?)`),
      cursor: prepare(`SELECT * FROM read_cursors WHERE user_id = ? AND conversation_id = ?`),
      upsertCursor: prepare(`INSERT OR REPLACE INTO read_cursors VALUES (?, ?, ?, ?, ?, ?)`),
      unreadAbove: prepare(
        `SELECT COUNT(*) FROM recipient_receipts
         WHERE conversation_id = ? AND user_id = ? AND sequence > ?`,
      ).pluck(),
      setTotal: prepare(`INSERT OR REPLACE INTO user_unread VALUES (?, ?)`),
      total: prepare(`SELECT total FROM user_unread WHERE user_id = ?`).pluck(),
      loadCheckpoint: prepare(`SELECT position FROM checkpoints WHERE projection = ?`)
        .pluck()
        .safeIntegers(true),
      storeCheckpoint: prepare(`INSERT OR REPLACE INTO checkpoints VALUES (?, ?)`),
      message: prepare(`SELECT * FROM messages WHERE conversation_id = ? AND message_id = ?`),
      messageAt: prepare(`SELECT * FROM messages WHERE conversation_id = ? AND sequence = ?`),
      recipient: prepare(
        `SELECT * FROM recipient_receipts WHERE conversation_id = ? AND sequence = ? AND user_id = ?`,
      ),
      messagesTo: prepare(
        `SELECT m.*, r.delivered_at, n.delivered, n.read
         FROM recipient_receipts r
           JOIN messages m ON m.conversation_id = r.conversation_id AND m.sequence = r.sequence
           LEFT JOIN message_counts n
             ON n.conversation_id = r.conversation_id AND n.sequence = r.sequence
         WHERE r.conversation_id = ? AND r.user_id = ? AND r.sequence > ? AND r.sequence <= ?
         ORDER BY r.sequence LIMIT ?`,
      ),
      facts: prepare(
        `SELECT r.user_id, r.delivered_at, r.delivered_device,
           ${firstStep('read_at', true)} AS shared_read_at,
           ${firstStep('device_id', true)} AS shared_read_device,
           ${firstStep('read_at', false)} AS any_read_at
         FROM recipient_receipts r WHERE r.conversation_id = ? AND r.sequence = ?
         ORDER BY r.user_id`,
      ),
      counts: prepare(`SELECT * FROM message_counts WHERE conversation_id = ? AND sequence = ?`),
      putCounts: prepare(`INSERT OR REPLACE INTO message_counts VALUES (?, ?, ?, ?)`),
      cursorsOf: prepare(`SELECT * FROM read_cursors WHERE user_id = ? ORDER BY conversation_id`),
      setCursorUnread: prepare(
        `UPDATE read_cursors SET unread = ? WHERE user_id = ? AND conversation_id = ?`,
      ),
      sumUnread: prepare(
        `SELECT COALESCE(SUM(unread), 0) FROM read_cursors WHERE user_id = ?`,
      ).pluck(),
      insertFeedEntry: prepare(`INSERT OR REPLACE INTO feed_entries VALUES (?, ?, ?, ?)`),
      setFeedHead: prepare(`INSERT OR REPLACE INTO feed_heads VALUES (?, ?)`),
      feedHead: prepare(`SELECT head FROM feed_heads WHERE user_id = ?`).pluck(),
      pruneFeed: prepare(`DELETE FROM feed_entries WHERE user_id = ? AND position <= ?`),
      feedPage: prepare(
        `SELECT * FROM feed_entries WHERE user_id = ? AND position > ? ORDER BY position LIMIT ?`,
      ),
      firstKept: prepare(`SELECT MIN(position) FROM feed_entries WHERE user_id = ?`).pluck(),
    };
  }

  apply(
    projection: string,
    changes: readonly ReadModelChange[],
    checkpoint: GlobalPosition,
  ): Promise<AppliedBatch> {
    if (!this.bulk) this.checkpointer ??= new SqliteCheckpointer(this.file, this.db);
    return Promise.resolve(
      this.db
        .transaction((): AppliedBatch => {
          const { writes, deltas, feed } = projectStored(this, changes, this.feedRetention);
          this.write(writes);
          this.writeFeed(feed);
          this.sql.storeCheckpoint.run(projection, checkpoint);
          return { deltas, feed: feed.entries };
          // Immediate: other processes write to this file too (a retry, a rebuild's switch), and a
          // deferred transaction that read before their commit could not write after it.
        })
        .immediate(),
    );
  }

  recountUnread(keys: readonly CursorKey[]): Promise<UnreadRepair[]> {
    const recount = this.db.transaction((): UnreadRepair[] => {
      const repairs: UnreadRepair[] = [];
      for (const { userId, conversationId } of keys) {
        const cursor = this.sql.cursor.get(userId, conversationId) as CursorRow | undefined;
        if (!cursor) continue;
        const recounted = Number(
          this.sql.unreadAbove.get(conversationId, userId, cursor.read_up_to),
        );
        if (recounted === cursor.unread) continue;
        this.sql.setCursorUnread.run(recounted, userId, conversationId);
        repairs.push({
          model: 'read_cursors',
          userId,
          conversationId,
          stored: cursor.unread,
          recounted,
        });
      }
      for (const userId of new Set(keys.map((k) => k.userId))) {
        const recounted = Number(this.sql.sumUnread.get(userId));
        const stored = (this.sql.total.get(userId) as number | undefined) ?? 0;
        if (recounted === stored) continue;
        this.sql.setTotal.run(userId, recounted);
        repairs.push({ model: 'user_unread', userId, stored, recounted });
      }
      return repairs;
    });
    return Promise.resolve(recount.immediate());
  }

  /** The file this store keeps its read models in. */
  get file(): string {
    return this.db.name;
  }

  /**
   * Replaces every read model and the projection's parked events with another file's (a
   * rebuild's copy), in one write transaction, only while this store's checkpoint of
   * `projection` is `at` (none counts as 0): the copy must stand where the live models stand.
   * Returns whether it did. Readers see the old models or the new ones, never a mix.
   */
  replaceFrom(file: string, projection: string, at: GlobalPosition): Promise<boolean> {
    this.db.prepare('ATTACH DATABASE ? AS shadow').run(file);
    try {
      const replace = this.db.transaction((): boolean => {
        const current = (this.sql.loadCheckpoint.get(projection) as bigint | undefined) ?? 0n;
        if (current !== at) return false;
        for (const table of READ_MODEL_TABLES) {
          this.db.exec(
            `DELETE FROM main.${table}; INSERT INTO main.${table} SELECT * FROM shadow.${table}`,
          );
        }
        this.db.prepare('DELETE FROM main.parked_events WHERE projection = ?').run(projection);
        this.db
          .prepare(
            'INSERT INTO main.parked_events SELECT * FROM shadow.parked_events WHERE projection = ?',
          )
          .run(projection);
        return true;
      });
      return Promise.resolve(replace.immediate());
    } finally {
      this.db.exec('DETACH DATABASE shadow');
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
    return Promise.resolve(
      this.db
        .transaction((): readonly ReceiptDelta[] => {
          if (!this.control.unpark(projection, position)) return [];
          const { writes, deltas, feed } = projectStored(this, changes, this.feedRetention);
          this.write(writes);
          this.writeFeed(feed);
          return deltas;
        })
        .immediate(),
    );
  }

  loadFeedHeads(userIds: readonly string[]): ReadonlyMap<string, number> {
    const heads = new Map<string, number>();
    for (const userId of userIds) {
      const head = this.sql.feedHead.get(userId) as number | undefined;
      if (head !== undefined) heads.set(userId, head);
    }
    return heads;
  }

  private writeFeed({ entries, heads, prune }: FeedWrites): void {
    for (const entry of entries) this.insertFeedEntry(entry);
    for (const { userId, head } of heads) this.sql.setFeedHead.run(userId, head);
    for (const { userId, head } of prune) this.sql.pruneFeed.run(userId, head);
  }

  private insertFeedEntry(e: FeedEntry): void {
    this.sql.insertFeedEntry.run(e.userId, e.position, e.deviceId, JSON.stringify(e.change));
  }

  loadBase(keys: DocumentKeys): BaseDocuments {
    const found = <Row, T>(row: unknown, to: (row: Row) => T): T[] =>
      row === undefined ? [] : [to(row as Row)];
    return {
      messages: [
        ...keys.messageSlots.flatMap((k) =>
          found(this.sql.messageAt.get(k.conversationId, k.sequence), toMessage),
        ),
        ...keys.messageIds.flatMap((k) =>
          found(this.sql.message.get(k.conversationId, k.messageId), toMessage),
        ),
      ],
      recipients: keys.recipients.flatMap((k) =>
        found(this.sql.recipient.get(k.conversationId, k.sequence, k.userId), toRecipient),
      ),
      counts: keys.messageSlots.flatMap((k) =>
        found(this.sql.counts.get(k.conversationId, k.sequence), toCounts),
      ),
      cursors: keys.cursors.flatMap((k) =>
        found(this.sql.cursor.get(k.userId, k.conversationId), toCursor),
      ),
      totals: keys.totals.flatMap((userId) =>
        found(this.sql.total.get(userId), (total: number) => ({ userId, total })),
      ),
    };
  }

  loadReads(keys: ReadKeys): ReadDocuments {
    const coveredCounts: MessageCounts[] = [];
    const covered = new Map(
      keys.covered.map((k) => {
        const rows = this.addressedRows(k.conversationId, k.userId, k.fromExclusive, k.toInclusive);
        for (const row of rows) if (row.delivered !== null) coveredCounts.push(toCounts(row));
        return [k.change, rows.map(toAddressed)];
      }),
    );
    return {
      covered,
      coveredCounts,
      unreadAbove: keys.unreadAbove.map(({ conversationId, userId, above, excluding }) => {
        const stored = excluding.filter(
          (sequence) => this.sql.recipient.get(conversationId, sequence, userId) !== undefined,
        );
        return Number(this.sql.unreadAbove.get(conversationId, userId, above)) - stored.length;
      }),
    };
  }

  private write(writes: ReadModelWrites): void {
    for (const message of writes.messages) this.insertMessage(message);
    for (const r of writes.recipients) {
      this.sql.insertRecipient.run(r.conversationId, r.sequence, r.userId);
    }
    for (const r of writes.deliveries) {
      this.sql.deliver.run(
        r.deliveredAt,
        r.deliveredDevice,
        r.conversationId,
        r.sequence,
        r.userId,
      );
    }
    for (const step of writes.steps) this.insertStep(step);
    for (const cursor of writes.cursors) this.writeCursor(cursor);
    for (const { userId, total } of writes.totals) this.sql.setTotal.run(userId, total);
    for (const counts of writes.counts) this.putCounts(counts);
  }

  private putCounts(c: MessageCounts): void {
    this.sql.putCounts.run(c.conversationId, c.sequence, c.delivered, c.read);
  }

  private insertMessage(m: MessageDocument): void {
    this.sql.insertMessage.run(
      m.conversationId,
      m.sequence,
      m.messageId,
      m.senderId,
      m.sentAt,
      m.recipientCount,
    );
  }

  private insertStep(s: StepRow): void {
    this.sql.insertStep.run(
      s.conversationId,
      s.userId,
      s.upTo,
      s.readAt,
      s.deviceId,
      s.shared ? 1 : 0,
    );
  }

  private writeCursor(c: ReadCursorDocument): void {
    this.sql.upsertCursor.run(
      c.userId,
      c.conversationId,
      c.readUpTo,
      c.sharedReadUpTo,
      c.unread,
      c.lastReadAt,
    );
  }

  loadCheckpoint(projection: string): Promise<GlobalPosition | null> {
    return Promise.resolve((this.sql.loadCheckpoint.get(projection) as bigint | undefined) ?? null);
  }

  storeCheckpoint(projection: string, position: GlobalPosition): Promise<void> {
    this.sql.storeCheckpoint.run(projection, position);
    return Promise.resolve();
  }

  reset(projection: string): Promise<void> {
    this.db.transaction(() => {
      for (const table of READ_MODEL_TABLES) this.db.exec(`DELETE FROM ${table}`);
      this.db.prepare('DELETE FROM checkpoints WHERE projection = ?').run(projection);
    })();
    return Promise.resolve();
  }

  /**
   * Replaces everything in the store with rows folded elsewhere (a rebuild in memory), in one
   * transaction. Rows come in primary key order, so every insert appends to its B-tree.
   */
  importRows(rows: ReadModelRows): Promise<void> {
    this.db.transaction(() => {
      for (const table of [...READ_MODEL_TABLES, 'checkpoints'])
        this.db.exec(`DELETE FROM ${table}`);
      for (const message of rows.messages) this.insertMessage(message);
      const recipient = this.db.prepare(`INSERT INTO recipient_receipts VALUES (?, ?, ?, ?, ?)`);
      for (const r of rows.recipients) {
        recipient.run(r.conversationId, r.sequence, r.userId, r.deliveredAt, r.deliveredDevice);
      }
      for (const cursor of rows.cursors) this.writeCursor(cursor);
      for (const step of rows.steps) this.insertStep(step);
      for (const t of rows.totals) this.sql.setTotal.run(t.userId, t.total);
      for (const counts of rows.counts) this.putCounts(counts);
      for (const entry of rows.feedEntries) this.insertFeedEntry(entry);
      for (const { userId, head } of rows.feedHeads) this.sql.setFeedHead.run(userId, head);
      for (const c of rows.checkpoints) this.sql.storeCheckpoint.run(c.projection, c.position);
    })();
    return Promise.resolve();
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

  findMessage(conversationId: string, messageId: string): Promise<MessageDocument | null> {
    const row = this.sql.message.get(conversationId, messageId) as MessageRow | undefined;
    return Promise.resolve(row ? toMessage(row) : null);
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
    return this.addressedRows(conversationId, userId, fromExclusive, toInclusive, limit).map(
      toAddressed,
    );
  }

  /** The reader's messages in a range with their counts; a negative limit is none. */
  private addressedRows(
    conversationId: string,
    userId: string,
    fromExclusive: number,
    toInclusive: number,
    limit = -1,
  ): AddressedRow[] {
    return this.sql.messagesTo.all(
      conversationId,
      userId,
      fromExclusive,
      toInclusive,
      limit,
    ) as AddressedRow[];
  }

  recipientFacts(conversationId: string, sequence: number): Promise<RecipientFacts[]> {
    const rows = this.sql.facts.all(conversationId, sequence) as FactsRow[];
    return Promise.resolve(
      rows.map((row) => ({
        userId: row.user_id,
        deliveredAt: row.delivered_at,
        deliveredDeviceId: row.delivered_device,
        sharedRead:
          row.shared_read_at === null
            ? null
            : { at: row.shared_read_at, deviceId: row.shared_read_device },
        anyReadAt: row.any_read_at,
      })),
    );
  }

  recipientCounts(conversationId: string, sequence: number): Promise<RecipientCounts> {
    const row = this.sql.counts.get(conversationId, sequence) as CountsRow | undefined;
    return Promise.resolve({ delivered: row?.delivered ?? 0, read: row?.read ?? 0 });
  }

  findCursor(userId: string, conversationId: string): Promise<ReadCursorDocument | null> {
    const row = this.sql.cursor.get(userId, conversationId) as CursorRow | undefined;
    return Promise.resolve(row ? toCursor(row) : null);
  }

  cursorsOf(userId: string): Promise<ReadCursorDocument[]> {
    return Promise.resolve((this.sql.cursorsOf.all(userId) as CursorRow[]).map(toCursor));
  }

  totalUnread(userId: string): Promise<number> {
    return Promise.resolve((this.sql.total.get(userId) as number | undefined) ?? 0);
  }

  feedPage(userId: string, after: number, limit: number): Promise<StoredFeedPage> {
    return Promise.resolve(
      this.db.transaction((): StoredFeedPage => {
        const head = (this.sql.feedHead.get(userId) as number | undefined) ?? 0;
        const firstKept = (this.sql.firstKept.get(userId) as number | null) ?? head + 1;
        const rows = this.sql.feedPage.all(userId, after, limit) as FeedRow[];
        return { entries: rows.map(toFeedEntry), head, firstKept };
      })(),
    );
  }

  async close(): Promise<void> {
    await this.checkpointer?.close();
    this.db.close();
  }
}

const toFeedEntry = (row: FeedRow): FeedEntry => ({
  userId: row.user_id,
  position: row.position,
  deviceId: row.device_id,
  change: JSON.parse(row.change) as FeedChange,
});

const toCursor = (row: CursorRow): ReadCursorDocument => ({
  userId: row.user_id,
  conversationId: row.conversation_id,
  readUpTo: row.read_up_to,
  sharedReadUpTo: row.shared_read_up_to,
  unread: row.unread,
  lastReadAt: row.last_read_at,
});

const toMessage = (row: MessageRow): MessageDocument => ({
  conversationId: row.conversation_id,
  messageId: row.message_id,
  sequence: row.sequence,
  senderId: row.sender_id,
  sentAt: row.sent_at,
  recipientCount: row.recipient_count,
});

const toRecipient = (row: ReceiptRow): RecipientRow => ({
  conversationId: row.conversation_id,
  sequence: row.sequence,
  userId: row.user_id,
  deliveredAt: row.delivered_at,
  deliveredDevice: row.delivered_device,
});

const toAddressed = (row: AddressedRow): AddressedMessage => ({
  ...toMessage(row),
  deliveredAt: row.delivered_at,
});

const toCounts = (row: {
  conversation_id: string;
  sequence: number;
  delivered: number | null;
  read: number | null;
}): MessageCounts => ({
  conversationId: row.conversation_id,
  sequence: row.sequence,
  delivered: row.delivered ?? 0,
  read: row.read ?? 0,
});
