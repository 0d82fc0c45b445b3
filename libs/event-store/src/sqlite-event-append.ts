import type Database from 'better-sqlite3';
import type { AppendResult } from './event-store';
import type { AppendOutcome, AppendRequest } from './sqlite-event-writer.messages';

type Recorded = { stream: string; revision: bigint; position: bigint };

/**
 * Commits a batch of appends on `db` in one `BEGIN IMMEDIATE` transaction, with one outcome per
 * append, in order. Each append keeps its own expected-revision check and is undone alone when
 * it fails; a failure of the transaction itself (busy, I/O error, disk full) fails them all.
 */
export const batchAppender = (
  db: Database.Database,
): ((batch: readonly AppendRequest[]) => AppendOutcome[]) => {
  const prepare = (sql: string) => db.prepare(sql).safeIntegers(true);
  const head = prepare('SELECT MAX(revision) FROM events WHERE stream = ?').pluck();
  const byId = prepare('SELECT stream, revision, position FROM events WHERE id = ?');
  const insert = prepare(
    `INSERT INTO events (stream, revision, id, type, data, metadata, recorded_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );

  const insertEvents = (request: AppendRequest, current: bigint | null): AppendResult => {
    let revision = current ?? -1n;
    let position = 0n;
    const now = Date.now();
    for (const { id, type, data, metadata } of request.events) {
      revision += 1n;
      const info = insert.run(request.stream, revision, id, type, data, metadata, now);
      position = BigInt(info.lastInsertRowid);
    }
    return { nextExpectedRevision: revision, position };
  };
  /** Inside the batch's transaction this is a savepoint: a failure undoes this append's rows only. */
  const insertInSavepoint = db.transaction(insertEvents);

  /** Looked up only when the fast path fails, to tell a retry from a conflict. */
  const earlierAppend = (request: AppendRequest, current: bigint | null): AppendOutcome | null => {
    const rows = request.events.map((event) => byId.get(event.id) as Recorded | undefined);
    return earlierOutcome(request, rows, current);
  };

  const appendOne = (request: AppendRequest): AppendOutcome => {
    const { seq, stream, expected } = request;
    const current = head.get(stream) as bigint | null;
    const matches =
      expected === 'any' || (expected === 'no_stream' ? current === null : current === expected);
    if (!matches) {
      const actual = current ?? 'no_stream';
      return (
        earlierAppend(request, current) ?? { seq, kind: 'wrong-revision', stream, expected, actual }
      );
    }
    // A single failing INSERT is undone by SQLite itself; several need a savepoint.
    const insertAll = request.events.length === 1 ? insertEvents : insertInSavepoint;
    try {
      return { seq, kind: 'appended', result: insertAll(request, current) };
    } catch (error) {
      // SQLite rolled the whole transaction back (disk full, I/O error): fail the whole batch.
      if (!db.inTransaction) throw error;
      // A retried append hits UNIQUE(id): only then are its ids looked up, to tell a retry from a clash.
      const unique = (error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE';
      return (unique ? earlierAppend(request, current) : null) ?? failed(seq, error);
    }
  };

  const commitAll = db.transaction((batch: readonly AppendRequest[]) => batch.map(appendOne));
  return (batch) => {
    try {
      return commitAll.immediate(batch);
    } catch (error) {
      return batch.map(({ seq }) => failed(seq, error));
    }
  };
};

/**
 * The result of an identical earlier append when every event id is already in the stream in
 * order, a refusal when only some are (or elsewhere), null when none is.
 */
const earlierOutcome = (
  { seq, stream }: AppendRequest,
  rows: ReadonlyArray<Recorded | undefined>,
  current: bigint | null,
): AppendOutcome | null => {
  if (rows.every((row) => row === undefined)) return null;
  const first = rows[0];
  const inOrder =
    first !== undefined &&
    rows.every((row, i) => row?.stream === stream && row.revision === first.revision + BigInt(i));
  if (!inOrder) {
    const actual = current ?? 'no_stream';
    return { seq, kind: 'wrong-revision', stream, expected: 'no_stream', actual };
  }
  const last = rows.at(-1)!;
  return {
    seq,
    kind: 'appended',
    result: { nextExpectedRevision: last.revision, position: last.position },
  };
};

/** By shape, not `instanceof Error`: under jest the driver's errors may belong to another realm. */
const failed = (seq: number, error: unknown): AppendOutcome => {
  const { name, message } = Object(error) as { name?: unknown; message?: unknown };
  return typeof message === 'string'
    ? { seq, kind: 'failed', name: typeof name === 'string' ? name : 'Error', message }
    : { seq, kind: 'failed', name: 'Error', message: String(error) };
};
