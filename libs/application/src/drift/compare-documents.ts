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
  counts: ['conversationId', 'sequence'],
};

export const documentKey = (model: DocumentModel, document: object): string =>
  KEY_FIELDS[model].map((field) => String((document as AnyDocument)[field])).join('/');

/** A user whose unread total is 0 reads the same with or without a document. */
const counts = (model: DocumentModel, document: AnyDocument): boolean =>
  model !== 'totals' || document.total !== 0;

/** Every field of each model, so that comparing two documents never lists their keys. */
const FIELDS: Readonly<Record<DocumentModel, readonly string[]>> = {
  messages: ['conversationId', 'sequence', 'messageId', 'senderId', 'sentAt', 'recipientCount'],
  recipients: ['conversationId', 'sequence', 'userId', 'deliveredAt', 'deliveredDevice'],
  cursors: ['userId', 'conversationId', 'readUpTo', 'sharedReadUpTo', 'unread', 'lastReadAt'],
  steps: ['conversationId', 'userId', 'upTo', 'readAt', 'deviceId', 'shared'],
  totals: ['userId', 'total'],
  counts: ['conversationId', 'sequence', 'delivered', 'read'],
};

const differingFields = (model: DocumentModel, live: AnyDocument, replayed: AnyDocument) =>
  FIELDS[model].filter((field) => (live[field] ?? null) !== (replayed[field] ?? null));

/** Key order as the stores sort (ids are ASCII: code unit order is byte order). */
const keyOrder =
  (model: DocumentModel) =>
  (a: AnyDocument, b: AnyDocument): number => {
    for (const field of KEY_FIELDS[model]) {
      const x = a[field] as string | number;
      const y = b[field] as string | number;
      if (x !== y) return x < y ? -1 : 1;
    }
    return 0;
  };

const inOrder = (documents: readonly AnyDocument[], order: ReturnType<typeof keyOrder>) =>
  documents.every((d, i) => i === 0 || order(documents[i - 1]!, d) < 0);

/**
 * Both sides come in key order from the stores, so one merge pass compares them; sorted here if
 * a store ever hands them over otherwise.
 */
const compareModel = (
  model: DocumentModel,
  liveDocuments: readonly object[],
  replayedDocuments: readonly object[],
): DriftedDocument[] => {
  const order = keyOrder(model);
  const prepare = (documents: readonly object[]): AnyDocument[] => {
    const counted = (documents as readonly AnyDocument[]).filter((d) => counts(model, d));
    return inOrder(counted, order) ? counted : [...counted].sort(order);
  };
  const live = prepare(liveDocuments);
  const replayed = prepare(replayedDocuments);
  const drifted: DriftedDocument[] = [];
  let i = 0;
  let j = 0;
  while (i < live.length || j < replayed.length) {
    const actual = live[i];
    const expected = replayed[j];
    const side = !actual ? 1 : !expected ? -1 : order(actual, expected);
    if (side < 0) {
      drifted.push({
        model,
        kind: 'extra',
        key: documentKey(model, actual!),
        live: actual!,
        replayed: null,
        fields: [],
      });
      i++;
    } else if (side > 0) {
      drifted.push({
        model,
        kind: 'missing',
        key: documentKey(model, expected!),
        live: null,
        replayed: expected!,
        fields: [],
      });
      j++;
    } else {
      const fields = differingFields(model, actual!, expected!);
      if (fields.length > 0) {
        drifted.push({
          model,
          kind: 'differs',
          key: documentKey(model, actual!),
          live: actual!,
          replayed: expected!,
          fields,
        });
      }
      i++;
      j++;
    }
  }
  return drifted;
};

/** Document by document, every model: what the live store lacks, has extra, or has otherwise. */
export const compareDocuments = (
  live: ReadModelDocuments,
  replayed: ReadModelDocuments,
): DriftedDocument[] =>
  DOCUMENT_MODELS.flatMap((model) => compareModel(model, live[model], replayed[model]));

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
