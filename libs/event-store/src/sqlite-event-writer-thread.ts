/* istanbul ignore file -- coverage counters added to eventWriterThread would not exist in the worker */
import type { AppendResult, ExpectedRevision } from './event-store';

export type WriterData = Readonly<{ file: string; driver: string }>;

export type AppendRequest = Readonly<{
  seq: number;
  stream: string;
  expected: ExpectedRevision;
  /** `data` and `metadata` as JSON, serialised by the main thread. */
  events: ReadonlyArray<Readonly<{ id: string; type: string; data: string; metadata: string }>>;
}>;

export type WriterCommand =
  Readonly<{ kind: 'append'; appends: AppendRequest[] }> | Readonly<{ kind: 'close' }>;

export type AppendOutcome = Readonly<
  | { seq: number; kind: 'appended'; result: AppendResult }
  | {
      seq: number;
      kind: 'wrong-revision';
      stream: string;
      expected: ExpectedRevision;
      actual: bigint | 'no_stream';
    }
  | { seq: number; kind: 'failed'; name: string; message: string }
>;

/**
 * The writer thread's whole program. The worker runs it from its source text, which loads the
 * same way from the TypeScript sources under jest and from dist, so the body must not refer to
 * anything outside itself: no imported bindings, no module-level helpers, only `require`.
 *
 * Every append received while a commit runs waits in the message queue; the next turn of this
 * thread's loop takes them all and commits them together (group commit that grows with load).
 */
export function eventWriterThread(): void {
  /* eslint-disable @typescript-eslint/no-require-imports -- a worker started from source text has no imports, only require */
  const threads = require('node:worker_threads') as typeof import('node:worker_threads');
  const { file, driver } = threads.workerData as WriterData;
  const Database = require(driver) as typeof import('better-sqlite3');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const port = threads.parentPort!;

  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 10000');
  const prepare = (sql: string) => db.prepare(sql).safeIntegers(true);
  const head = prepare('SELECT MAX(revision) FROM events WHERE stream = ?').pluck();
  const byId = prepare('SELECT stream, revision, position FROM events WHERE id = ?');
  const insert = prepare(
    `INSERT INTO events (stream, revision, id, type, data, metadata, recorded_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );

  const failed = (seq: number, error: unknown): AppendOutcome =>
    error instanceof Error
      ? { seq, kind: 'failed', name: error.name, message: error.message }
      : { seq, kind: 'failed', name: 'Error', message: String(error) };

  const insertEvents = (request: AppendRequest, current: bigint | null): AppendResult => {
    let revision = current ?? -1n;
    let position = 0n;
    const now = Date.now();
    for (const event of request.events) {
      revision += 1n;
      const { id, type, data, metadata } = event;
      const info = insert.run(request.stream, revision, id, type, data, metadata, now);
      position = BigInt(info.lastInsertRowid);
    }
    return { nextExpectedRevision: revision, position };
  };
  /** Inside the batch's transaction this is a savepoint: a failure undoes this append's rows only. */
  const insertInSavepoint = db.transaction(insertEvents);

  /**
   * Looked up only when the fast path fails: the result of an identical earlier append when every
   * event id is already in the stream in order, a refusal when only some are, null when none is.
   */
  const earlierAppend = (
    { seq, stream, events }: AppendRequest,
    current: bigint | null,
  ): AppendOutcome | null => {
    const rows = events.map(
      (event) =>
        byId.get(event.id) as { stream: string; revision: bigint; position: bigint } | undefined,
    );
    if (rows.every((row) => row === undefined)) return null;
    const first = rows[0];
    const inOrder =
      first !== undefined &&
      rows.every((row, i) => row?.stream === stream && row.revision === first.revision + BigInt(i));
    if (!inOrder) {
      return {
        seq,
        kind: 'wrong-revision',
        stream,
        expected: 'no_stream',
        actual: current ?? 'no_stream',
      };
    }
    const last = rows.at(-1)!;
    return {
      seq,
      kind: 'appended',
      result: { nextExpectedRevision: last.revision, position: last.position },
    };
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

  const commitAll = db.transaction((batch: AppendRequest[]) => batch.map(appendOne));
  let queued: AppendRequest[] = [];
  let scheduled = false;

  const commit = (): void => {
    scheduled = false;
    const batch = queued;
    queued = [];
    if (batch.length === 0) return;
    let outcomes: AppendOutcome[];
    try {
      outcomes = commitAll.immediate(batch);
    } catch (error) {
      outcomes = batch.map(({ seq }) => failed(seq, error));
    }
    port.postMessage(outcomes);
  };

  port.on('message', (command: WriterCommand) => {
    if (command.kind === 'close') {
      commit();
      db.close();
      port.close();
      return;
    }
    for (const append of command.appends) queued.push(append);
    if (!scheduled) {
      scheduled = true;
      setImmediate(commit);
    }
  });
}
