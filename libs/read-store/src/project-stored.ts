import {
  type BaseDocuments,
  type DocumentKeys,
  type ProjectOptions,
  type ProjectedBatch,
  type ReadKeys,
  type ReadModelChange,
  type StoredDocuments,
  documentKeys,
  projectBatch,
  readKeys,
} from '@receipts/read-models';

/** A store whose documents can be read without waiting (SQLite, memory): inside one transaction. */
export interface SyncDocumentSource {
  loadBase(keys: DocumentKeys): BaseDocuments;
  loadReads(keys: ReadKeys): Pick<StoredDocuments, 'covered' | 'unreadAbove'>;
}

/** Loads what a batch touches, in the projection's two passes, and projects it. */
export const projectStored = (
  source: SyncDocumentSource,
  changes: readonly ReadModelChange[],
  options: ProjectOptions,
): ProjectedBatch => {
  const base = source.loadBase(documentKeys(changes));
  const reads = source.loadReads(readKeys(base, changes, options));
  return projectBatch({ ...base, ...reads }, changes, options);
};
