import Database from 'better-sqlite3';
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
import type { ReadModelRows } from './read-model-rows';
import type { ReadStore } from './read-store';
import { READ_MODEL_TABLES, READ_STORE_SCHEMA } from './sqlite-read-store.schema';

type Change<K extends ReadModelChange['kind']> = Extract<ReadModelChange, { kind: K }>;

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
export class SqliteReadStore implements ReadStore {
  private readonly db: Database.Database;
  private readonly sql;

  /**
   * @param bulk for a rebuild into a fresh file that nothing else reads until it is done: no
   *   write-ahead log, no disk flushes, one connection holding the file and a large page cache.
   *   A crash leaves a file to delete and rebuild again, never a live one damaged.
   */
  constructor(file: string, { bulk = false }: { bulk?: boolean } = {}) {
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
      addTotal: prepare(
        `INSERT INTO user_unread VALUES (?, ?)
         ON CONFLICT (user_id) DO UPDATE SET total = total + excluded.total`,
      ),
      total: prepare(`SELECT total FROM user_unread WHERE user_id = ?`).pluck(),
      loadCheckpoint: prepare(`SELECT position FROM checkpoints WHERE projection = ?`)
        .pluck()
        .safeIntegers(true),
      storeCheckpoint: prepare(`INSERT OR REPLACE INTO checkpoints VALUES (?, ?)`),
      message: prepare(`SELECT * FROM messages WHERE conversation_id = ? AND message_id = ?`),
      messagesTo: prepare(
        `SELECT m.*, r.delivered_at FROM recipient_receipts r JOIN messages m
           ON m.conversation_id = r.conversation_id AND m.sequence = r.sequence
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
      counts: prepare(
        `SELECT
           COALESCE(SUM(r.delivered_at IS NOT NULL OR IFNULL(c.read_up_to, 0) >= r.sequence), 0)
             AS delivered,
           COALESCE(SUM(IFNULL(c.shared_read_up_to, 0) >= r.sequence), 0) AS read
         FROM recipient_receipts r LEFT JOIN read_cursors c
           ON c.user_id = r.user_id AND c.conversation_id = r.conversation_id
         WHERE r.conversation_id = ? AND r.sequence = ?`,
      ),
      cursorsOf: prepare(`SELECT * FROM read_cursors WHERE user_id = ? ORDER BY conversation_id`),
    };
  }

  apply(
    projection: string,
    changes: readonly ReadModelChange[],
    checkpoint: GlobalPosition,
  ): Promise<void> {
    this.db.transaction(() => {
      const batch = new CursorBatch((userId, conversationId) =>
        this.cursor(userId, conversationId),
      );
      for (const change of changes) this.applyOne(change, batch);
      this.writeCursors(batch);
      this.sql.storeCheckpoint.run(projection, checkpoint);
    })();
    return Promise.resolve();
  }

  private applyOne(change: ReadModelChange, batch: CursorBatch): void {
    switch (change.kind) {
      case 'message_registered':
        return this.registerMessage(change, batch);
      case 'message_delivered':
        return this.deliver(change);
      case 'cursor_moved':
        return this.moveCursor(change, batch);
      default: {
        const unexpected: never = change;
        return unexpected;
      }
    }
  }

  private registerMessage(change: Change<'message_registered'>, batch: CursorBatch): void {
    const { conversationId, sequence, recipientIds } = change;
    const inserted = this.sql.insertMessage.run(
      conversationId,
      sequence,
      change.messageId,
      change.senderId,
      change.sentAt,
      recipientIds.length,
    );
    if (inserted.changes === 0) return;
    for (const userId of recipientIds) {
      this.sql.insertRecipient.run(conversationId, sequence, userId);
      batch.update(userId, conversationId, (cursor) => messageArrived(cursor, sequence));
    }
  }

  private deliver(change: Change<'message_delivered'>): void {
    this.sql.deliver.run(
      change.deliveredAt,
      change.deviceId,
      change.conversationId,
      change.sequence,
      change.userId,
    );
  }

  private moveCursor(change: Change<'cursor_moved'>, batch: CursorBatch): void {
    const { conversationId, userId } = change;
    const before = batch.get(userId, conversationId);
    // Only a step that moves the cursor belongs to its history: a stale one would misdate reads.
    if (change.readUpToSequence <= before.readUpTo) return;
    const step = this.sql.insertStep.run(
      conversationId,
      userId,
      change.readUpToSequence,
      change.readAt,
      change.deviceId,
      change.receiptsShared ? 1 : 0,
    );
    if (step.changes === 0) return;
    batch.update(userId, conversationId, (cursor) =>
      moveCursor(cursor, change, (sequence) =>
        Number(this.sql.unreadAbove.get(conversationId, userId, sequence)),
      ),
    );
  }

  private cursor(userId: string, conversationId: string): ReadCursorDocument {
    const row = this.sql.cursor.get(userId, conversationId) as CursorRow | undefined;
    return row ? toCursor(row) : emptyCursor(userId, conversationId);
  }

  /** One write per cursor the batch moved, and one per user whose unread total changed. */
  private writeCursors(batch: CursorBatch): void {
    const totals = new Map<string, number>();
    for (const { before, after } of batch.changed()) {
      this.writeCursor(after);
      const delta = after.unread - before.unread;
      if (delta !== 0) totals.set(after.userId, (totals.get(after.userId) ?? 0) + delta);
    }
    for (const [userId, delta] of totals) {
      if (delta !== 0) this.sql.addTotal.run(userId, delta);
    }
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
      for (const m of rows.messages) {
        this.sql.insertMessage.run(
          m.conversationId,
          m.sequence,
          m.messageId,
          m.senderId,
          m.sentAt,
          m.recipientCount,
        );
      }
      const recipient = this.db.prepare(`INSERT INTO recipient_receipts VALUES (?, ?, ?, ?, ?)`);
      for (const r of rows.recipients) {
        recipient.run(r.conversationId, r.sequence, r.userId, r.deliveredAt, r.deliveredDevice);
      }
      for (const cursor of rows.cursors) this.writeCursor(cursor);
      for (const s of rows.steps) {
        this.sql.insertStep.run(
          s.conversationId,
          s.userId,
          s.upTo,
          s.readAt,
          s.deviceId,
          s.shared ? 1 : 0,
        );
      }
      for (const t of rows.totals) this.sql.addTotal.run(t.userId, t.total);
      for (const c of rows.checkpoints) this.sql.storeCheckpoint.run(c.projection, c.position);
    })();
    return Promise.resolve();
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
    const rows = this.sql.messagesTo.all(
      conversationId,
      userId,
      fromExclusive,
      toInclusive,
      limit,
    ) as Array<MessageRow & { delivered_at: string | null }>;
    return Promise.resolve(
      rows.map((row) => ({ ...toMessage(row), deliveredAt: row.delivered_at })),
    );
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
    return Promise.resolve(this.sql.counts.get(conversationId, sequence) as RecipientCounts);
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

  close(): Promise<void> {
    this.db.close();
    return Promise.resolve();
  }
}

/**
 * The cursors a batch touches, each read once and written once at the end of the batch however
 * many of its events move it: a registration to 500 members and their reads in the same batch
 * cost one cursor write per member, not one per event.
 */
class CursorBatch {
  private readonly cursors = new Map<
    string,
    { before: ReadCursorDocument; after: ReadCursorDocument }
  >();

  constructor(
    private readonly load: (userId: string, conversationId: string) => ReadCursorDocument,
  ) {}

  get(userId: string, conversationId: string): ReadCursorDocument {
    return this.entry(userId, conversationId).after;
  }

  update(
    userId: string,
    conversationId: string,
    move: (cursor: ReadCursorDocument) => ReadCursorDocument,
  ): void {
    const entry = this.entry(userId, conversationId);
    entry.after = move(entry.after);
  }

  *changed(): Iterable<{ before: ReadCursorDocument; after: ReadCursorDocument }> {
    for (const entry of this.cursors.values()) if (entry.before !== entry.after) yield entry;
  }

  private entry(userId: string, conversationId: string) {
    const key = `${userId}\u0000${conversationId}`;
    let entry = this.cursors.get(key);
    if (!entry) {
      const cursor = this.load(userId, conversationId);
      this.cursors.set(key, (entry = { before: cursor, after: cursor }));
    }
    return entry;
  }
}

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
