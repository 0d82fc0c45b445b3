import {
  type BaseDocuments,
  type DocumentKeys,
  type FeedWrites,
  type ProjectedBatch,
  type ReadDocuments,
  type ReadKeys,
  type ReadModelChange,
  documentKeys,
  feedEntries,
  feedUsers,
  projectBatch,
  readKeys,
} from '@receipts/read-models';

/** A store whose documents can be read without waiting (SQLite, memory): inside one transaction. */
export interface SyncDocumentSource {
  loadBase(keys: DocumentKeys): BaseDocuments;
  loadReads(keys: ReadKeys): ReadDocuments;
  loadFeedHeads(userIds: readonly string[]): ReadonlyMap<string, number>;
}

/**
 * Loads what a batch touches, in the projection's two passes, projects it, and numbers its
 * deltas in the feeds of the users they concern.
 */
export const projectStored = (
  source: SyncDocumentSource,
  changes: readonly ReadModelChange[],
  feedRetention: number,
): ProjectedBatch & { feed: FeedWrites } => {
  const base = source.loadBase(documentKeys(changes));
  const projected = projectBatch(
    { ...base, ...source.loadReads(readKeys(base, changes)) },
    changes,
  );
  const heads = source.loadFeedHeads(feedUsers(projected.deltas));
  return { ...projected, feed: feedEntries(projected.deltas, heads, feedRetention) };
};
