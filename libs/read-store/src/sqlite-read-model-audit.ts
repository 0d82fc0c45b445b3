import type Database from 'better-sqlite3';
import type { GlobalPosition } from '@receipts/event-store';
import type {
  DriftRepairRecord,
  ReadModelAudit,
  ReadModelDocuments,
  ReadModelPatch,
  ReadModelSnapshot,
} from './read-model-audit';

type Row = unknown[];
type Model = Readonly<{
  select: string;
  toDocument: (row: Row) => object;
  put: string;
  remove: string;
}>;

/** Each model's rows in primary key order, and how a document maps to and from its row. */
const MODELS = {
  messages: {
    select: `SELECT conversation_id, message_id, sequence, sender_id, sent_at, recipient_count
             FROM messages ORDER BY conversation_id, sequence`,
    toDocument: ([conversationId, messageId, sequence, senderId, sentAt, recipientCount]: Row) => ({
      conversationId,
      messageId,
      sequence,
      senderId,
      sentAt,
      recipientCount,
    }),
    put: `INSERT OR REPLACE INTO messages
            (conversation_id, message_id, sequence, sender_id, sent_at, recipient_count)
          VALUES (@conversationId, @messageId, @sequence, @senderId, @sentAt, @recipientCount)`,
    remove: `DELETE FROM messages WHERE conversation_id = @conversationId AND sequence = @sequence`,
  },
  recipients: {
    select: `SELECT conversation_id, sequence, user_id, delivered_at, delivered_device
             FROM recipient_receipts ORDER BY conversation_id, sequence, user_id`,
    toDocument: ([conversationId, sequence, userId, deliveredAt, deliveredDevice]: Row) => ({
      conversationId,
      sequence,
      userId,
      deliveredAt,
      deliveredDevice,
    }),
    put: `INSERT OR REPLACE INTO recipient_receipts VALUES
            (@conversationId, @sequence, @userId, @deliveredAt, @deliveredDevice)`,
    remove: `DELETE FROM recipient_receipts
             WHERE conversation_id = @conversationId AND sequence = @sequence AND user_id = @userId`,
  },
  cursors: {
    select: `SELECT user_id, conversation_id, read_up_to, shared_read_up_to, unread, last_read_at
             FROM read_cursors ORDER BY user_id, conversation_id`,
    toDocument: ([userId, conversationId, readUpTo, sharedReadUpTo, unread, lastReadAt]: Row) => ({
      userId,
      conversationId,
      readUpTo,
      sharedReadUpTo,
      unread,
      lastReadAt,
    }),
    put: `INSERT OR REPLACE INTO read_cursors VALUES
            (@userId, @conversationId, @readUpTo, @sharedReadUpTo, @unread, @lastReadAt)`,
    remove: `DELETE FROM read_cursors WHERE user_id = @userId AND conversation_id = @conversationId`,
  },
  steps: {
    select: `SELECT conversation_id, user_id, up_to, read_at, device_id, shared
             FROM read_steps ORDER BY conversation_id, user_id, up_to`,
    toDocument: ([conversationId, userId, upTo, readAt, deviceId, shared]: Row) => ({
      conversationId,
      userId,
      upTo,
      readAt,
      deviceId,
      shared: shared === 1,
    }),
    put: `INSERT OR REPLACE INTO read_steps VALUES
            (@conversationId, @userId, @upTo, @readAt, @deviceId, @shared)`,
    remove: `DELETE FROM read_steps
             WHERE conversation_id = @conversationId AND user_id = @userId AND up_to = @upTo`,
  },
  totals: {
    select: `SELECT user_id, total FROM user_unread ORDER BY user_id`,
    toDocument: ([userId, total]: Row) => ({ userId, total }),
    put: `INSERT OR REPLACE INTO user_unread VALUES (@userId, @total)`,
    remove: `DELETE FROM user_unread WHERE user_id = @userId`,
  },
  counts: {
    select: `SELECT conversation_id, sequence, delivered, read
             FROM message_counts ORDER BY conversation_id, sequence`,
    toDocument: ([conversationId, sequence, delivered, read]: Row) => ({
      conversationId,
      sequence,
      delivered,
      read,
    }),
    put: `INSERT OR REPLACE INTO message_counts VALUES
            (@conversationId, @sequence, @delivered, @read)`,
    remove: `DELETE FROM message_counts
             WHERE conversation_id = @conversationId AND sequence = @sequence`,
  },
} as const satisfies Record<keyof ReadModelDocuments, Model>;

type RepairRow = {
  projection: string;
  repaired_at: string;
  operator: string;
  checkpoint: bigint | null;
  documents: string;
};

/** Verify's and repair's access to the embedded read models (SqliteReadStore delegates here). */
export class SqliteReadModelAudit implements ReadModelAudit {
  constructor(private readonly db: Database.Database) {}

  private checkpointOf(projection: string): GlobalPosition | null {
    const position = this.db
      .prepare(`SELECT position FROM checkpoints WHERE projection = ?`)
      .pluck()
      .safeIntegers(true)
      .get(projection) as bigint | undefined;
    return position ?? null;
  }

  /** One read transaction: the write-ahead log keeps its view while the projector commits. */
  snapshot(projection: string): Promise<ReadModelSnapshot> {
    return Promise.resolve(
      this.db.transaction(() => {
        const checkpoint = this.checkpointOf(projection);
        const read = (model: keyof typeof MODELS): object[] => {
          const { select, toDocument }: Model = MODELS[model];
          return (this.db.prepare(select).raw().all() as Row[]).map(toDocument);
        };
        const documents = {
          messages: read('messages'),
          recipients: read('recipients'),
          cursors: read('cursors'),
          steps: read('steps'),
          totals: read('totals'),
          counts: read('counts'),
        } as unknown as ReadModelDocuments;
        return { checkpoint, documents };
      })(),
    );
  }

  /** BEGIN IMMEDIATE: the checkpoint cannot move between the check and the commit. */
  patch(
    projection: string,
    expected: GlobalPosition | null,
    patch: ReadModelPatch,
    record: DriftRepairRecord,
  ): Promise<boolean> {
    return Promise.resolve(
      this.db
        .transaction(() => {
          if (this.checkpointOf(projection) !== expected) return false;
          for (const model of Object.keys(MODELS) as (keyof typeof MODELS)[]) {
            const remove = this.db.prepare(MODELS[model].remove);
            for (const document of patch.remove[model]) remove.run(bindable(document));
            const put = this.db.prepare(MODELS[model].put);
            for (const document of patch.put[model]) put.run(bindable(document));
          }
          this.db
            .prepare(
              `INSERT INTO drift_repairs (projection, repaired_at, operator, checkpoint, documents)
               VALUES (?, ?, ?, ?, ?)`,
            )
            .run(
              record.projection,
              record.repairedAt,
              record.operator,
              record.checkpoint,
              JSON.stringify(record.documents),
            );
          return true;
        })
        .immediate(),
    );
  }

  driftRepairs(): Promise<DriftRepairRecord[]> {
    const rows = this.db
      .prepare(`SELECT * FROM drift_repairs ORDER BY id`)
      .safeIntegers(true)
      .all() as RepairRow[];
    return Promise.resolve(
      rows.map((row) => ({
        projection: row.projection,
        repairedAt: row.repaired_at,
        operator: row.operator,
        checkpoint: row.checkpoint,
        documents: JSON.parse(row.documents) as DriftRepairRecord['documents'],
      })),
    );
  }
}

/** SQLite binds no booleans, and a named parameter must be present even when null. */
const bindable = (document: object): Record<string, unknown> =>
  Object.fromEntries(
    Object.entries(document).map(([key, value]) => [
      key,
      typeof value === 'boolean' ? (value ? 1 : 0) : (value ?? null),
    ]),
  );
