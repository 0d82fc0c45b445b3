import {
  DOCUMENT_MODELS,
  type DocumentModel,
  type ReadModelDocuments,
  type ReadModelPatch,
  emptyDocuments,
} from '@receipts/read-store';

export type DriftKind = 'missing' | 'extra' | 'differs';

/** One document on which the live read models and a replay of the log disagree. */
export type DriftedDocument = Readonly<{
  model: DocumentModel;
  kind: DriftKind;
  /** The document's primary key, its parts joined by '/'. */
  key: string;
  live: object | null;
  replayed: object | null;
  /** The fields whose values differ (every field of a missing or extra document). */
  fields: readonly string[];
}>;

type AnyDocument = Readonly<Record<string, unknown>>;

/** Each model's primary key, as the stores order and address its documents. */
const KEY_FIELDS: Readonly<Record<DocumentModel, readonly string[]>> = {
  messages: ['conversationId', 'sequence'],
  recipients: ['conversationId', 'sequence', 'userId'],
  cursors: ['userId', 'conversationId'],
  steps: ['conversationId', 'userId', 'upTo'],
  totals: ['userId'],
};

export const documentKey = (model: DocumentModel, document: object): string =>
  KEY_FIELDS[model].map((field) => String((document as AnyDocument)[field])).join('/');

/** A user whose unread total is 0 reads the same with or without a document. */
const counts = (model: DocumentModel, document: AnyDocument): boolean =>
  model !== 'totals' || document.total !== 0;

const byKey = (model: DocumentModel, documents: readonly object[]): Map<string, AnyDocument> => {
  const found = new Map<string, AnyDocument>();
  for (const document of documents as readonly AnyDocument[]) {
    if (counts(model, document)) found.set(documentKey(model, document), document);
  }
  return found;
};

const differingFields = (live: AnyDocument, replayed: AnyDocument): string[] =>
  [...new Set([...Object.keys(replayed), ...Object.keys(live)])].filter(
    (field) => (live[field] ?? null) !== (replayed[field] ?? null),
  );

/** Document by document, every model: what the live store lacks, has extra, or has otherwise. */
export const compareDocuments = (
  live: ReadModelDocuments,
  replayed: ReadModelDocuments,
): DriftedDocument[] =>
  DOCUMENT_MODELS.flatMap((model) => {
    const liveByKey = byKey(model, live[model]);
    const drifted: DriftedDocument[] = [];
    for (const [key, expected] of byKey(model, replayed[model])) {
      const actual = liveByKey.get(key);
      liveByKey.delete(key);
      if (!actual) {
        drifted.push({ model, kind: 'missing', key, live: null, replayed: expected, fields: [] });
        continue;
      }
      const fields = differingFields(actual, expected);
      if (fields.length > 0) {
        drifted.push({ model, kind: 'differs', key, live: actual, replayed: expected, fields });
      }
    }
    for (const [key, actual] of liveByKey) {
      drifted.push({ model, kind: 'extra', key, live: actual, replayed: null, fields: [] });
    }
    return drifted;
  });

/** The replayed version of each drifted document; extra ones deleted. */
export const patchFor = (drifted: readonly DriftedDocument[]): ReadModelPatch => {
  const put = emptyDocuments() as Record<DocumentModel, object[]>;
  const remove = emptyDocuments() as Record<DocumentModel, object[]>;
  for (const d of drifted) {
    if (d.replayed) put[d.model].push(d.replayed);
    else if (d.live) remove[d.model].push(d.live);
  }
  return { put, remove } as unknown as ReadModelPatch;
};

export type DriftCounts = Readonly<Record<DriftKind, number>>;

/** How many documents drifted, by model and kind; models without drift are left out. */
export const countDrift = (
  drifted: readonly DriftedDocument[],
): Partial<Record<DocumentModel, DriftCounts>> => {
  const counted: Partial<Record<DocumentModel, Record<DriftKind, number>>> = {};
  for (const { model, kind } of drifted) {
    const byKind = (counted[model] ??= { missing: 0, extra: 0, differs: 0 });
    byKind[kind] += 1;
  }
  return counted;
};
