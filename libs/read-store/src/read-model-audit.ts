import type { GlobalPosition } from '@receipts/event-store';
import type { ReadModelRows } from './read-model-rows';

/**
 * Every read-model document of a store, each model in its primary key order. The change feed is
 * not audited yet: it is numbered from the deltas, and verify compares the documents only.
 */
export type ReadModelDocuments = Omit<ReadModelRows, 'checkpoints' | 'feedEntries' | 'feedHeads'>;
export type DocumentModel = keyof ReadModelDocuments;

/** The stored name of each model: the SQLite table, the MongoDB collection, the metric label. */
export const STORED_MODEL_NAMES: Readonly<Record<DocumentModel, string>> = {
  messages: 'messages',
  recipients: 'recipient_receipts',
  cursors: 'read_cursors',
  steps: 'read_steps',
  totals: 'user_unread',
  counts: 'message_counts',
};

export const DOCUMENT_MODELS = Object.keys(STORED_MODEL_NAMES) as DocumentModel[];

/** The read models as they stood at one checkpoint, read consistently. */
export type ReadModelSnapshot = Readonly<{
  checkpoint: GlobalPosition | null;
  documents: ReadModelDocuments;
}>;

/** Documents to write whole (replacing any with the same key) and documents to delete by key. */
export type ReadModelPatch = Readonly<{ put: ReadModelDocuments; remove: ReadModelDocuments }>;

/** Who repaired drift, when, at which checkpoint, and how many documents of each model (by stored name). */
export type DriftRepairRecord = Readonly<{
  projection: string;
  repairedAt: string;
  operator: string;
  checkpoint: GlobalPosition | null;
  documents: Readonly<Record<string, number>>;
}>;

/** What verify and repair need of a read-model store, beside serving and projecting. */
export interface ReadModelAudit {
  /** Every document with the projection's checkpoint, as of one moment (one read transaction). */
  snapshot(projection: string): Promise<ReadModelSnapshot>;
  /**
   * Applies the patch and records the repair in one write, only while the projection's
   * checkpoint is still `expected`; false (and nothing written) when it has moved.
   */
  patch(
    projection: string,
    expected: GlobalPosition | null,
    patch: ReadModelPatch,
    record: DriftRepairRecord,
  ): Promise<boolean>;
  /** Every repair recorded, oldest first. */
  driftRepairs(): Promise<DriftRepairRecord[]>;
}

export const emptyDocuments = (): ReadModelDocuments => ({
  messages: [],
  recipients: [],
  cursors: [],
  steps: [],
  totals: [],
  counts: [],
});
