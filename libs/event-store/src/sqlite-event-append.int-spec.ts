import type Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExpectedRevision } from './event-store';
import { batchAppender } from './sqlite-event-append';
import { openEventFile } from './sqlite-event-file';
import type { AppendOutcome, AppendRequest } from './sqlite-event-writer.messages';

type Event = AppendRequest['events'][number];

/** The writer thread's transaction, called here directly on a file: no thread, no messages. */
describe('batchAppender', () => {
  let dir: string;
  let file: string;
  let db: Database.Database;
  let appendBatch: (batch: readonly AppendRequest[]) => AppendOutcome[];
  let seq = 0;
  const request = (stream: string, expected: ExpectedRevision, events: Event[]): AppendRequest => ({
    seq: seq++,
    stream,
    expected,
    events,
  });
  const streamIds = (stream: string): string[] =>
    db
      .prepare('SELECT id FROM events WHERE stream = ? ORDER BY revision')
      .pluck()
      .all(stream) as string[];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'receipts-event-append-'));
    file = join(dir, 'events.sqlite');
    db = openEventFile(file);
    appendBatch = batchAppender(db);
  });
  afterEach(async () => {
    db.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers each append of a batch in order, checking each against the appends before it', () => {
    const batch = [
      request('a', 'no_stream', events(2)),
      request('a', 1n, events(1)),
      request('b', 'any', events(1)),
      request('a', 1n, events(1)),
      request('c', 0n, events(1)),
      request('b', 0n, events(3)),
    ];
    const outcomes = appendBatch(batch);
    expect(outcomes.map((o) => o.seq)).toEqual(batch.map((r) => r.seq));
    expect(outcomes.map(summary)).toEqual([
      'appended 1',
      'appended 2',
      'appended 0',
      'wrong-revision a: expected 1, actual 2',
      'wrong-revision c: expected 0, actual no_stream',
      'appended 3',
    ]);
    const positions = outcomes.flatMap((o) => (o.kind === 'appended' ? [o.result.position] : []));
    expect(positions).toEqual([2n, 3n, 4n, 7n]);
    expect(streamIds('a')).toEqual([...batch[0]!.events, ...batch[1]!.events].map((e) => e.id));
    expect(streamIds('c')).toEqual([]);
  });

  it('answers a retry with the earlier result, in the same batch or a later one, whatever it expects', () => {
    const first = events(2);
    const [original, sameBatch] = appendBatch([
      request('retried', 'no_stream', first),
      request('retried', 'no_stream', first),
    ]);
    expect(original).toMatchObject({ kind: 'appended' });
    expect(sameBatch).toMatchObject({ kind: 'appended', result: resultOf(original) });
    appendBatch([request('retried', 1n, events(1))]);
    // 'any' and the current revision pass the check: only UNIQUE(id) tells these retries apart.
    const later = appendBatch([
      request('retried', 'any', first),
      request('retried', 2n, first),
      request('retried', 7n, first),
    ]);
    for (const outcome of later) expect(resultOf(outcome)).toEqual(resultOf(original));
    expect(streamIds('retried')).toHaveLength(3);
  });

  it('refuses ids that are only partly, out of order or elsewhere in the log, writing nothing', () => {
    const [a, b, c] = events(3);
    appendBatch([request('home', 'no_stream', [a!, b!])]);
    const refusals = appendBatch([
      request('home', 1n, [a!, c!]),
      request('home', 'any', [b!, a!]),
      request('elsewhere', 'no_stream', [a!]),
      request('elsewhere', 'no_stream', [c!, b!]),
    ]);
    expect(refusals.map((o) => o.kind)).toEqual(Array(4).fill('wrong-revision'));
    expect(streamIds('home')).toEqual([a!.id, b!.id]);
    expect(streamIds('elsewhere')).toEqual([]);
  });

  it('fails an append that repeats an id within itself, undoing its rows only', () => {
    const [twice] = events(1);
    const [repeated, next] = appendBatch([
      request('twice', 'no_stream', [twice!, ...events(1), twice!]),
      request('next', 'no_stream', events(2)),
    ]);
    expect(summary(repeated!)).toMatch(/^failed UNIQUE constraint failed: events.id/);
    expect(summary(next!)).toBe('appended 1');
    expect(streamIds('twice')).toEqual([]);
    expect(streamIds('next')).toHaveLength(2);
  });

  it('fails every append of a batch whose transaction cannot begin, writing nothing', () => {
    const other = openEventFile(file);
    other.exec('BEGIN IMMEDIATE');
    db.pragma('busy_timeout = 0');
    try {
      const outcomes = appendBatch([
        request('a', 'no_stream', events(1)),
        request('b', 'any', events(2)),
      ]);
      expect(outcomes.map(summary)).toEqual(Array(2).fill('failed database is locked'));
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    expect(db.prepare('SELECT COUNT(*) FROM events').pluck().get()).toBe(0);
  });

  it('fails every append of a batch that SQLite rolls back as a whole, and commits the next batch', () => {
    // What SQLite does on an I/O error or a full disk, on demand.
    db.exec(`CREATE TEMP TRIGGER roll_back_everything BEFORE INSERT ON main.events
             WHEN NEW.type = 'rolls_back' BEGIN SELECT RAISE(ROLLBACK, 'simulated I/O error'); END`);
    const good = [request('a', 'no_stream', events(2)), request('b', 'no_stream', events(1))];
    const poisoned = request('c', 'no_stream', [
      ...events(1),
      { ...events(1)[0]!, type: 'rolls_back' },
    ]);
    const outcomes = appendBatch([...good, poisoned, request('d', 'any', events(1))]);
    expect(outcomes.map(summary)).toEqual(Array(4).fill('failed simulated I/O error'));
    expect(db.inTransaction).toBe(false);
    expect(db.prepare('SELECT COUNT(*) FROM events').pluck().get()).toBe(0);
    expect(appendBatch(good).map(summary)).toEqual(['appended 1', 'appended 0']);
  });
});

const events = (count: number): Event[] =>
  Array.from({ length: count }, (_, i) => ({
    id: randomUUID(),
    type: 'probe',
    data: JSON.stringify({ i }),
    metadata: JSON.stringify({ schemaVersion: 1 }),
  }));

const summary = (outcome: AppendOutcome): string => {
  switch (outcome.kind) {
    case 'appended':
      return `appended ${outcome.result.nextExpectedRevision}`;
    case 'wrong-revision':
      return `wrong-revision ${outcome.stream}: expected ${outcome.expected}, actual ${outcome.actual}`;
    case 'failed':
      return `failed ${outcome.message}`;
  }
};

const resultOf = (outcome: AppendOutcome | undefined) =>
  outcome?.kind === 'appended' ? outcome.result : outcome;
