import type Database from 'better-sqlite3';
import { EventEmitter, on } from 'node:events';
import {
  type AppendResult,
  type EventStore,
  type EventToAppend,
  type ExpectedRevision,
  type GlobalPosition,
  type ReadAllOptions,
  type RecordedEvent,
  type SubscribeOptions,
} from './event-store';
import { SqliteCheckpointer } from './sqlite-checkpointer';
import { openEventFile } from './sqlite-event-file';
import { SqliteEventWriter } from './sqlite-event-writer';

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

/**
 * The embedded event store: one SQLite file in WAL mode with full synchronous commits. Appends
 * are written by a worker thread (SqliteEventWriter) in group commits, each append with its own
 * expected-revision check and outcome; reads run here on their own connection.
 */
export class SqliteEventStore implements EventStore {
  private readonly db: Database.Database;
  private readonly appended = new EventEmitter();
  private readonly writer: SqliteEventWriter;
  /** Started with the first append: a store that only reads leaves the checkpoints to writers. */
  private checkpointer: SqliteCheckpointer | null = null;
  private readonly statements;

  /**
   * @param pollIntervalMs how often a subscriber looks for appends made by other processes
   * @param groupCommitMs how long the first pending append waits for others to share its commit;
   *   0 hands them to the writer at the end of the current event-loop turn
   */
  constructor(
    private readonly file: string,
    private readonly pollIntervalMs = 25,
    groupCommitMs = 0,
  ) {
    if (file === '' || file === ':memory:') {
      throw new Error('SqliteEventStore needs a file: its writer thread opens it too');
    }
    this.db = openEventFile(file);
    this.appended.setMaxListeners(0);
    this.writer = new SqliteEventWriter(file, groupCommitMs, () => this.appended.emit('appended'));
    const prepare = (sql: string) => this.db.prepare(sql).safeIntegers(true);
    this.statements = {
      stream: prepare('SELECT * FROM events WHERE stream = ? AND revision >= ? ORDER BY revision'),
      all: prepare('SELECT * FROM events WHERE position > ? ORDER BY position LIMIT ?'),
      head: prepare('SELECT MAX(position) FROM events').pluck(),
    };
  }

  /** Calls `listener` after each commit of this process's appends; returns the unsubscribe. */
  onAppended(listener: () => void): () => void {
    this.appended.on('appended', listener);
    return () => this.appended.off('appended', listener);
  }

  /** Wakes this store's subscribers at once: another thread or process told of an append. */
  wake(): void {
    this.appended.emit('appended');
  }

  appendToStream(
    stream: string,
    events: readonly EventToAppend[],
    expected: ExpectedRevision,
  ): Promise<AppendResult> {
    if (events.length === 0) return Promise.reject(new Error('Nothing to append'));
    // The writer thread's connection keeps only the safety net (sqlite-event-writer.worker.ts).
    this.checkpointer ??= new SqliteCheckpointer(this.file, null);
    return this.writer.append(stream, events, expected);
  }

  readStream(stream: string, fromRevision = 0n): Promise<RecordedEvent[]> {
    const rows = this.statements.stream.all(stream, fromRevision) as Row[];
    return Promise.resolve(rows.map(toRecorded));
  }

  readAll({ after = 0n, maxCount }: ReadAllOptions): Promise<RecordedEvent[]> {
    const rows = this.statements.all.all(after, maxCount) as Row[];
    return Promise.resolve(rows.map(toRecorded));
  }

  headPosition(): Promise<GlobalPosition | null> {
    return Promise.resolve(this.statements.head.get() as bigint | null);
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

  async close(): Promise<void> {
    await this.writer.close();
    await this.checkpointer?.close();
    this.db.close();
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
