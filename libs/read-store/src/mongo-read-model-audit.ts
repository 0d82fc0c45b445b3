import type {
  AnyBulkWriteOperation,
  ClientSession,
  Db,
  Document,
  Filter,
  MongoClient,
  Sort,
} from 'mongodb';
import type { GlobalPosition } from '@receipts/event-store';
import {
  type DocumentModel,
  type DriftRepairRecord,
  type ReadModelAudit,
  type ReadModelDocuments,
  type ReadModelPatch,
  type ReadModelSnapshot,
  STORED_MODEL_NAMES,
} from './read-model-audit';

export const DRIFT_REPAIRS = 'drift_repairs';

type Stored = Readonly<Record<string, unknown>>;
type Model = Readonly<{
  /** The primary key's fields, in order: the sort of a snapshot and the filter of a write. */
  key: readonly string[];
  toDocument: (stored: Stored) => object;
  toStored: (document: Record<string, unknown>) => Document;
}>;

const same = (document: Record<string, unknown>): Document => ({ ...document });

/** How each model's documents are stored (MongoReadStore's shapes, keyed by its indexes). */
const MODELS: Readonly<Record<DocumentModel, Model>> = {
  messages: {
    key: ['conversationId', 'sequence'],
    toDocument: (m) => ({
      conversationId: m.conversationId,
      messageId: m.messageId,
      sequence: Number(m.sequence),
      senderId: m.senderId,
      sentAt: m.sentAt,
      recipientCount: Number(m.recipientCount),
    }),
    toStored: same,
  },
  recipients: {
    key: ['conversationId', 'sequence', 'userId'],
    toDocument: (r) => ({
      conversationId: r.conversationId,
      sequence: Number(r.sequence),
      userId: r.userId,
      deliveredAt: r.deliveredAt ?? null,
      deliveredDevice: r.deliveredDeviceId ?? null,
    }),
    toStored: ({ deliveredDevice, ...rest }) => ({ ...rest, deliveredDeviceId: deliveredDevice }),
  },
  cursors: {
    key: ['userId', 'conversationId'],
    toDocument: (c) => ({
      userId: c.userId,
      conversationId: c.conversationId,
      readUpTo: Number(c.readUpTo),
      sharedReadUpTo: Number(c.sharedReadUpTo),
      unread: Number(c.unread),
      lastReadAt: c.lastReadAt ?? null,
    }),
    toStored: same,
  },
  steps: {
    key: ['conversationId', 'userId', 'upTo'],
    toDocument: (s) => ({
      conversationId: s.conversationId,
      userId: s.userId,
      upTo: Number(s.upTo),
      readAt: s.readAt,
      deviceId: s.deviceId ?? null,
      shared: s.shared === true,
    }),
    toStored: same,
  },
  totals: {
    key: ['_id'],
    toDocument: (t) => ({ userId: t._id as string, total: Number(t.total) }),
    toStored: ({ userId, total }) => ({ _id: userId, total }),
  },
  counts: {
    key: ['conversationId', 'sequence'],
    toDocument: (c) => ({
      conversationId: c.conversationId,
      sequence: Number(c.sequence),
      delivered: Number(c.delivered),
      read: Number(c.read),
    }),
    toStored: same,
  },
};

const MODEL_NAMES = Object.keys(MODELS) as DocumentModel[];

/**
 * Verify's and repair's access to the MongoDB read models (MongoReadStore delegates here). With
 * transactions (a replica set or sharded cluster) a snapshot is one snapshot session and a patch
 * one transaction that checks the checkpoint. A standalone server has neither: a snapshot there
 * can catch a batch half written (verify again), and a patch checks the checkpoint just before
 * writing (see docs/OPERATIONS.md).
 */
export class MongoReadModelAudit implements ReadModelAudit {
  constructor(
    private readonly client: MongoClient,
    private readonly db: Db,
    private readonly transactions: boolean,
  ) {}

  async snapshot(projection: string): Promise<ReadModelSnapshot> {
    const session = this.transactions ? this.client.startSession({ snapshot: true }) : undefined;
    try {
      const checkpoint = await this.checkpointOf(projection, session);
      const documents: Record<string, object[]> = {};
      for (const model of MODEL_NAMES) {
        const { key, toDocument } = MODELS[model];
        const sort: Sort = Object.fromEntries(key.map((field) => [field, 1 as const]));
        const stored = await this.db
          .collection<Stored>(STORED_MODEL_NAMES[model])
          .find({}, { session, sort, allowDiskUse: true })
          .toArray();
        documents[model] = stored.map(toDocument);
      }
      return { checkpoint, documents: documents as unknown as ReadModelDocuments };
    } finally {
      await session?.endSession();
    }
  }

  async patch(
    projection: string,
    expected: GlobalPosition | null,
    patch: ReadModelPatch,
    record: DriftRepairRecord,
  ): Promise<boolean> {
    if (!this.transactions) return this.patchWith(projection, expected, patch, record);
    const session = this.client.startSession();
    try {
      return await session.withTransaction(
        () => this.patchWith(projection, expected, patch, record, session),
        { readConcern: { level: 'snapshot' }, writeConcern: { w: 'majority' } },
      );
    } finally {
      await session.endSession();
    }
  }

  private async patchWith(
    projection: string,
    expected: GlobalPosition | null,
    patch: ReadModelPatch,
    record: DriftRepairRecord,
    session?: ClientSession,
  ): Promise<boolean> {
    if ((await this.checkpointOf(projection, session)) !== expected) return false;
    // Later batches overwrite a cursor or total only from an older position: this one.
    const position = expected ?? 0n;
    for (const model of MODEL_NAMES) {
      const { key, toStored } = MODELS[model];
      const filterOf = (stored: Document): Filter<Document> =>
        Object.fromEntries(key.map((field) => [field, stored[field] as unknown]));
      const operations: AnyBulkWriteOperation[] = [
        ...(patch.remove[model] as readonly Record<string, unknown>[]).map((d) => ({
          deleteOne: { filter: filterOf(toStored(d)) },
        })),
        ...(patch.put[model] as readonly Record<string, unknown>[]).map((d) => {
          const stored: Document = { ...toStored(d), position };
          const { _id: _, ...replacement } = stored;
          return { replaceOne: { filter: filterOf(stored), replacement, upsert: true } };
        }),
      ];
      if (operations.length > 0) {
        await this.db
          .collection(STORED_MODEL_NAMES[model])
          .bulkWrite(operations, { ordered: true, session });
      }
    }
    await this.db.collection(DRIFT_REPAIRS).insertOne({ ...record }, { session });
    return true;
  }

  async driftRepairs(): Promise<DriftRepairRecord[]> {
    const stored = await this.db
      .collection(DRIFT_REPAIRS)
      .find({}, { sort: { _id: 1 } })
      .toArray();
    return stored.map((r) => ({
      projection: r.projection as string,
      repairedAt: r.repairedAt as string,
      operator: r.operator as string,
      checkpoint: r.checkpoint === null ? null : BigInt(r.checkpoint as bigint),
      documents: r.documents as DriftRepairRecord['documents'],
    }));
  }

  private async checkpointOf(
    projection: string,
    session?: ClientSession,
  ): Promise<GlobalPosition | null> {
    const doc = await this.db
      .collection<{ _id: string; position: GlobalPosition }>('checkpoints')
      .findOne({ _id: projection }, { session });
    return doc ? BigInt(doc.position) : null;
  }
}
