import { type DriftedDocument, type Verification, countDrift } from '@receipts/application';
import { type DocumentModel, STORED_MODEL_NAMES } from '@receipts/read-store';

const EXAMPLES_PER_MODEL = 3;

const perSecond = (count: number, ms: number): number =>
  Math.round(count / Math.max(ms / 1000, 0.001));

/** The verification for scripts: counts by model and kind, and a few examples of each model. */
export const verificationJson = (v: Verification, examplesPerModel = EXAMPLES_PER_MODEL) => ({
  projection: v.projection,
  checkpoint: v.checkpoint,
  events: v.events,
  documents: v.documents,
  replayMs: v.replayMs,
  compareMs: v.compareMs,
  eventsPerSecond: perSecond(v.events, v.replayMs),
  documentsPerSecond: perSecond(v.documents, v.compareMs),
  drifted: v.drifted.length,
  byModel: Object.fromEntries(
    Object.entries(countDrift(v.drifted)).map(([model, counts]) => [
      STORED_MODEL_NAMES[model as DocumentModel],
      counts,
    ]),
  ),
  examples: examples(v.drifted, examplesPerModel).map(documentJson),
});

export const documentJson = (d: DriftedDocument) => ({
  model: STORED_MODEL_NAMES[d.model],
  kind: d.kind,
  key: d.key,
  fields: d.fields,
  live: d.live,
  replayed: d.replayed,
});

const examples = (drifted: readonly DriftedDocument[], perModel: number): DriftedDocument[] => {
  const shown = new Map<DocumentModel, number>();
  return drifted.filter((d) => {
    const n = shown.get(d.model) ?? 0;
    shown.set(d.model, n + 1);
    return n < perModel;
  });
};

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** Plain lines, the same on a terminal and in a pipe. */
export const verificationLines = (v: Verification): string[] => {
  const lines = [
    `${v.projection}: checkpoint ${v.checkpoint ?? 'none'}; replayed ${v.events} events in ` +
      `${seconds(v.replayMs)} (${perSecond(v.events, v.replayMs)} events/s); compared ` +
      `${v.documents} documents in ${seconds(v.compareMs)} (${perSecond(v.documents, v.compareMs)} documents/s)`,
  ];
  if (v.drifted.length === 0) {
    lines.push('no drift: the read models equal a replay of the log to their checkpoint');
    return lines;
  }
  lines.push(`drift: ${v.drifted.length} documents`);
  for (const [model, c] of Object.entries(countDrift(v.drifted))) {
    const name = STORED_MODEL_NAMES[model as DocumentModel].padEnd(20);
    lines.push(`  ${name} missing ${c.missing}, extra ${c.extra}, field differs ${c.differs}`);
  }
  lines.push('examples:');
  for (const d of examples(v.drifted, EXAMPLES_PER_MODEL)) lines.push(`  ${describe(d)}`);
  return lines;
};

/** One drifted document on one line: what the live store has against what the log says. */
export const describe = (d: DriftedDocument): string => {
  const where = `${STORED_MODEL_NAMES[d.model]} ${d.key}`;
  const show = (doc: object | null): string => JSON.stringify(doc);
  switch (d.kind) {
    case 'missing':
      return `missing ${where}: replayed ${show(d.replayed)}`;
    case 'extra':
      return `extra ${where}: live ${show(d.live)}`;
    case 'differs': {
      const field = (f: string, doc: object | null) =>
        JSON.stringify((doc as Record<string, unknown> | null)?.[f] ?? null);
      const fields = d.fields.map(
        (f) => `${f} live ${field(f, d.live)}, replayed ${field(f, d.replayed)}`,
      );
      return `differs ${where}: ${fields.join('; ')}`;
    }
  }
};
