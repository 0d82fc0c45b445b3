import Database from 'better-sqlite3';
import { EventEmitter, on } from 'node:events';
import {
  type AppendResult,
  type EventStore,
  type EventToAppend,
  type ExpectedRevision,
  type ReadAllOptions,
  type RecordedEvent,
  type SubscribeOptions,
  WrongExpectedRevisionError,
} from './event-store';

type Row = {
  position: bigint;
  stream: string;
  revision: bigint;
  id: string;
  type: string;
  data: string;
  metadata: string;
  recorded_at: bigint;
};

type PendingAppend = {
  stream: string;
  events: readonly EventToAppend[];
  expected: ExpectedRevision;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
};

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS events (
    position    INTEGER PRIMARY KEY AUTOINCREMENT,
    stream      TEXT    NOT NULL,
    revision    INTEGER NOT NULL,
    id          TEXT    NOT NULL UNIQUE,
    type        TEXT    NOT NULL,
    data        TEXT    NOT NULL,
    metadata    TEXT    NOT NULL,
    recorded_at INTEGER NOT NULL,
    UNIQUE (stream, revision)
  );`;

/**
 * The embedded event store: one SQLite file in WAL mode with full synchronous commits.
 * Appends that arrive while a commit is being prepared share one transaction and one disk
 * flush (group commit), yet each keeps its own expected-revision check and outcome.
 */
export class SqliteEventStore implements EventStore {
  private readonly db: Database.Database;
  private readonly appended = new EventEmitter();
  private pending: PendingAppend[] = [];
  private flushScheduled = false;
  private readonly statements;

  /**
   * @param pollIntervalMs how often a subscriber looks for appends made by other processes
   * @param groupCommitMs how long the first pending append waits for others to share its commit;
   *   0 commits at the end of the current event-loop turn
   */
  constructor(
    file: string,
    private readonly pollIntervalMs = 25,
    private readonly groupCommitMs = 0,
  ) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 10000');
    this.db.exec(SCHEMA);
    this.appended.setMaxListeners(0);
    const prepare = (sql: string) => this.db.prepare(sql).safeIntegers(true);
    this.statements = {
      head: prepare('SELECT MAX(revision) AS revision FROM events WHERE stream = ?').pluck(),
      byId: prepare('SELECT * FROM events WHERE id = ?'),
      insert: prepare(
        `INSERT INTO events (stream, revision, id, type, data, metadata, recorded_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
      stream: prepare('SELECT * FROM events WHERE stream = ? AND revision >= ? ORDER BY revision'),
      all: prepare('SELECT * FROM events WHERE position > ? ORDER BY position LIMIT ?'),
    };
  }

  appendToStream(
    stream: string,
    events: readonly EventToAppend[],
    expected: ExpectedRevision,
  ): Promise<AppendResult> {
    if (events.length === 0) return Promise.reject(new Error('Nothing to append'));
    return new Promise((resolve, reject) => {
      this.pending.push({ stream, events, expected, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        if (this.groupCommitMs > 0) setTimeout(() => this.flush(), this.groupCommitMs);
        else setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    this.flushScheduled = false;
    let outcomes: Array<{ ok: true; result: AppendResult } | { ok: false; error: unknown }>;
    try {
      outcomes = this.db
        .transaction(() =>
          batch.map((append) => {
            // A savepoint per append: one that fails (wrong revision, unstorable data, duplicate
            // id) is rolled back alone instead of failing the appends committed with it.
            try {
              const result = this.db.transaction(() => this.appendNow(append))();
              return { ok: true as const, result };
            } catch (error) {
              return { ok: false as const, error };
            }
          }),
        )
        .immediate();
    } catch (error) {
      for (const append of batch) append.reject(error);
      return;
    }
    outcomes.forEach((outcome, i) => {
      if (outcome.ok) batch[i]!.resolve(outcome.result);
      else batch[i]!.reject(outcome.error);
    });
    this.appended.emit('appended');
  }

  private appendNow({ stream, events, expected }: PendingAppend): AppendResult {
    const retried = this.earlierAppend(stream, events);
    if (retried) return retried;
    const head = this.statements.head.get(stream) as bigint | null;
    const actual = head ?? 'no_stream';
    const matches =
      expected === 'any' || (expected === 'no_stream' ? head === null : head === expected);
    if (!matches) throw new WrongExpectedRevisionError(stream, expected, actual);
    let revision = head ?? -1n;
    let position = 0n;
    const now = Date.now();
    for (const event of events) {
      revision += 1n;
      const info = this.statements.insert.run(
        stream,
        revision,
        event.id,
        event.type,
        JSON.stringify(event.data),
        JSON.stringify(event.metadata),
        now,
      );
      position = BigInt(info.lastInsertRowid);
    }
    return { nextExpectedRevision: revision, position };
  }

  /** The result of an identical earlier append, when every event id is already in the stream in order. */
  private earlierAppend(stream: string, events: readonly EventToAppend[]): AppendResult | null {
    const rows = events.map((event) => this.statements.byId.get(event.id) as Row | undefined);
    if (rows.every((row) => row === undefined)) return null;
    const first = rows[0];
    const inOrder =
      first !== undefined &&
      rows.every((row, i) => row?.stream === stream && row.revision === first.revision + BigInt(i));
    if (!inOrder) {
      throw new WrongExpectedRevisionError(stream, 'no_stream', this.headOf(stream));
    }
    const last = rows.at(-1)!;
    return { nextExpectedRevision: last.revision, position: last.position };
  }

  private headOf(stream: string): bigint | 'no_stream' {
    return (this.statements.head.get(stream) as bigint | null) ?? 'no_stream';
  }

  readStream(stream: string, fromRevision = 0n): Promise<RecordedEvent[]> {
    const rows = this.statements.stream.all(stream, fromRevision) as Row[];
    return Promise.resolve(rows.map(toRecorded));
  }

  readAll({ after = 0n, maxCount }: ReadAllOptions): Promise<RecordedEvent[]> {
    const rows = this.statements.all.all(after, maxCount) as Row[];
    return Promise.resolve(rows.map(toRecorded));
  }

  async *subscribeToAll({
    after = 0n,
    batchSize,
    signal,
  }: SubscribeOptions): AsyncIterable<RecordedEvent[]> {
    let position = after;
    while (!signal?.aborted) {
      const batch = await this.readAll({ after: position, maxCount: batchSize });
      if (batch.length > 0) {
        position = batch.at(-1)!.position;
        yield batch;
        continue;
      }
      await this.nextAppendOrPoll(signal);
    }
  }

  /** Wakes on an append in this process, or after the poll interval for appends by other processes. */
  private async nextAppendOrPoll(signal: AbortSignal | undefined): Promise<void> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.pollIntervalMs);
    const onAbort = () => controller.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for await (const _ of on(this.appended, 'appended', { signal: controller.signal })) break;
    } catch (error) {
      if (!controller.signal.aborted) throw error;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  close(): Promise<void> {
    if (this.pending.length > 0) this.flush();
    this.db.close();
    return Promise.resolve();
  }
}

const toRecorded = (row: Row): RecordedEvent => ({
  id: row.id,
  stream: row.stream,
  revision: row.revision,
  position: row.position,
  type: row.type,
  data: JSON.parse(row.data) as unknown,
  metadata: JSON.parse(row.metadata) as RecordedEvent['metadata'],
  recordedAt: new Date(Number(row.recorded_at)),
});
