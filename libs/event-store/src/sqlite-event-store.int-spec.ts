import { randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventEmitter } from 'node:events';
import type { Worker } from 'node:worker_threads';
import { describeEventStoreConformance } from '@receipts/testing';
import {
  type AppendResult,
  type EventStore,
  type EventToAppend,
  type RecordedEvent,
  WrongExpectedRevisionError,
} from './event-store';
import { openEventFile } from './sqlite-event-file';
import { SqliteEventStore } from './sqlite-event-store';

describeEventStoreConformance('SqliteEventStore', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'receipts-event-store-'));
  const file = join(dir, 'events.sqlite');
  const stores: EventStore[] = [new SqliteEventStore(file)];
  return {
    store: stores[0]!,
    reopen: () => {
      const store = new SqliteEventStore(file);
      stores.push(store);
      return Promise.resolve(store);
    },
    cleanup: async () => {
      for (const store of stores) await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

describe('SqliteEventStore, beyond the port', () => {
  it('checkpoints its write-ahead log on a thread of its own, never inside a commit', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'receipts-event-store-'));
    const file = join(dir, 'events.sqlite');
    const store = new SqliteEventStore(file);
    try {
      const padding = 'x'.repeat(1000);
      for (let i = 0; i < 400; i++) {
        const events = Array.from({ length: 5 }, () => ({
          id: randomUUID(),
          type: 'probe',
          data: { padding },
          metadata: { schemaVersion: 1 },
        }));
        await store.appendToStream(`probe-${i}`, events, 'no_stream');
      }
      // 2 MB of log: below the writer's own threshold (and SQLite's default one), so only the
      // checkpoint thread copies it into the file (which holds only the schema until then).
      const copied = () => statSync(file).size;
      const deadline = Date.now() + 5000;
      while (copied() < 1_000_000 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(copied()).toBeGreaterThanOrEqual(1_000_000);
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('has no head while the log is empty', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'receipts-event-store-'));
    const store = new SqliteEventStore(join(dir, 'events.sqlite'));
    try {
      expect(await store.headPosition()).toBeNull();
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects an event id that is already in another stream, writing nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'receipts-event-store-'));
    const store = new SqliteEventStore(join(dir, 'events.sqlite'));
    try {
      const event = {
        id: '0b0e5f3e-5a43-4a8e-9a67-1c1f0f1f2a01',
        type: 'probe',
        data: {},
        metadata: { schemaVersion: 1 },
      };
      await store.appendToStream('probe-home', [event], 'no_stream');
      await expect(store.appendToStream('probe-elsewhere', [event], 'no_stream')).rejects.toThrow();
      expect(await store.readStream('probe-elsewhere')).toEqual([]);
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('SqliteEventStore, its writer thread', () => {
  let dir: string;
  let file: string;
  const stores: SqliteEventStore[] = [];
  const open = (pollIntervalMs = 25, groupCommitMs = 0): SqliteEventStore => {
    const store = new SqliteEventStore(file, pollIntervalMs, groupCommitMs);
    stores.push(store);
    return store;
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'receipts-event-writer-'));
    file = join(dir, 'events.sqlite');
  });
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it.each([0, 5])(
    'commits the appends of one turn in one transaction, and appends across turns in order (group commit %i ms)',
    async (groupCommitMs) => {
      const store = open(25, groupCommitMs);
      const commits = countCommits(store);
      const streams = Array.from({ length: 100 }, (_, i) => `burst-${i}`);
      // Three appends per stream, each expecting the one before, none waiting for an answer.
      const sameTurn = streams.flatMap((stream) => [
        store.appendToStream(stream, events(1), 'no_stream'),
        store.appendToStream(stream, events(2), 0n),
        store.appendToStream(stream, events(1), 2n),
      ]);
      const commitsForSameTurn = Promise.all(sameTurn).then(() => commits.count);
      // Then one append per stream and turn, each expecting the one of the turn before.
      const acrossTurns: Array<Promise<AppendResult>> = [];
      for (const expected of [3n, 4n, 5n]) {
        for (const stream of streams)
          acrossTurns.push(store.appendToStream(stream, events(1), expected));
        await new Promise(setImmediate);
      }
      expect(await commitsForSameTurn).toBe(1);
      const results = [...(await Promise.all(sameTurn)), ...(await Promise.all(acrossTurns))];
      expect(results.map((r) => r.nextExpectedRevision)).toEqual([
        ...streams.flatMap(() => [0n, 2n, 3n]),
        ...[4n, 5n, 6n].flatMap((revision) => streams.map(() => revision)),
      ]);
      const positions = results.map((r) => r.position);
      expect(new Set(positions).size).toBe(positions.length);
      for (const stream of streams) expect(await store.readStream(stream)).toHaveLength(7);
    },
  );

  it('fails only the appends of a group that conflict; the rest commit in the same transaction', async () => {
    const store = open();
    await store.appendToStream('moved-on', events(2), 'no_stream');
    const commits = countCommits(store);
    const settled = await Promise.allSettled([
      store.appendToStream('grouped', events(2), 'no_stream'),
      store.appendToStream('grouped', events(1), 0n),
      store.appendToStream('grouped', events(1), 1n),
      store.appendToStream('moved-on', events(1), 0n),
      store.appendToStream('other', events(1), 'no_stream'),
    ]);
    expect(commits.count).toBe(1);
    expect(
      settled.map((s) =>
        s.status === 'fulfilled' ? s.value.nextExpectedRevision : (s.reason as unknown),
      ),
    ).toEqual([
      1n,
      new WrongExpectedRevisionError('grouped', 0n, 1n),
      2n,
      new WrongExpectedRevisionError('moved-on', 0n, 1n),
      0n,
    ]);
    expect(await store.readStream('grouped')).toHaveLength(3);
    expect(await store.readStream('moved-on')).toHaveLength(2);
  });

  it('fails every append of a group whose transaction fails, writing nothing, and commits the next group', async () => {
    const store = open();
    await store.appendToStream('warm-up', events(1), 'no_stream');
    // What SQLite does on an I/O error or a full disk: it rolls the whole transaction back.
    const side = openEventFile(file);
    side.exec(`CREATE TRIGGER roll_back_everything BEFORE INSERT ON events
               WHEN NEW.type = 'rolls_back' BEGIN SELECT RAISE(ROLLBACK, 'simulated I/O error'); END`);
    side.close();
    const commits = countCommits(store);
    const group: Append[] = [
      ['group-a', events(2), 'no_stream'],
      ['group-b', events(1), 'any'],
      ['warm-up', events(1), 0n],
    ];
    const rollsBack: Append = ['group-c', [{ ...events(1)[0]!, type: 'rolls_back' }], 'no_stream'];
    const settled = await Promise.allSettled(
      [...group, rollsBack].map((a) => store.appendToStream(...a)),
    );
    expect(commits.count).toBe(1);
    for (const outcome of settled) {
      expect(outcome).toMatchObject({
        status: 'rejected',
        reason: { message: 'simulated I/O error' },
      });
    }
    expect(await store.readAll({ maxCount: 100 })).toHaveLength(1);
    // The same appends again, without the one that failed the transaction.
    const retried = await Promise.all(group.map((a) => store.appendToStream(...a)));
    expect(retried.map((r) => r.nextExpectedRevision)).toEqual([1n, 0n, 1n]);
    expect(commits.count).toBe(2);
  });

  it('lets one of many appends at the same revision win; the others get WrongExpectedRevisionError', async () => {
    const store = open();
    await store.appendToStream('race', events(2), 'no_stream');
    const settled = await Promise.allSettled(
      Array.from({ length: 20 }, () => store.appendToStream('race', events(1), 1n)),
    );
    expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(1);
    for (const s of settled) {
      if (s.status === 'rejected') {
        expect(s.reason).toBeInstanceOf(WrongExpectedRevisionError);
        expect(s.reason).toMatchObject({ stream: 'race', expected: 1n, actual: 2n });
      }
    }
    expect(await store.readStream('race')).toHaveLength(3);
  });

  it('answers a retry with the earlier result, in the same commit or a later one', async () => {
    const store = open();
    const first = events(3);
    const [original, sameCommit] = await Promise.all([
      store.appendToStream('retried', first, 'no_stream'),
      store.appendToStream('retried', first, 'no_stream'),
    ]);
    expect(sameCommit).toEqual(original);
    await store.appendToStream('retried', events(1), 2n);
    // 'any' passes the revision check, so this retry is told apart only by UNIQUE(id).
    await expect(store.appendToStream('retried', first, 'any')).resolves.toEqual(original);
    await expect(store.appendToStream('retried', first, 7n)).resolves.toEqual(original);
    expect(await store.readStream('retried')).toHaveLength(4);
  });

  it('refuses ids that are only partly, out of order or elsewhere in the log', async () => {
    const store = open();
    const [a, b, c] = events(3);
    await store.appendToStream('home', [a!, b!], 'no_stream');
    const refusals = await Promise.allSettled([
      store.appendToStream('home', [a!, c!], 1n),
      store.appendToStream('home', [b!, a!], 'any'),
      store.appendToStream('elsewhere', [a!], 'no_stream'),
      store.appendToStream('elsewhere', [c!, b!], 'no_stream'),
    ]);
    for (const refusal of refusals) {
      expect(refusal).toMatchObject({ status: 'rejected' });
      expect((refusal as PromiseRejectedResult).reason).toBeInstanceOf(WrongExpectedRevisionError);
    }
    expect(await store.readStream('elsewhere')).toEqual([]);
    expect((await store.readStream('home')).map((e) => e.id)).toEqual([a!.id, b!.id]);
  });

  it('fails an append that repeats an id within itself with a plain error, writing nothing', async () => {
    const store = open();
    const [a] = events(1);
    const error: unknown = await store
      .appendToStream('twice', [a!, a!], 'no_stream')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(WrongExpectedRevisionError);
    expect((error as Error).message).toMatch(/UNIQUE/);
    expect(await store.readStream('twice')).toEqual([]);
  });

  it('wakes a subscriber in the same process as soon as an append commits', async () => {
    const store = open(60_000);
    const controller = new AbortController();
    const iterator = store.subscribeToAll({ batchSize: 10, signal: controller.signal });
    const received = nextEvents(iterator[Symbol.asyncIterator]());
    await new Promise((resolve) => setTimeout(resolve, 50));
    const [event] = events(1);
    await store.appendToStream('woken', [event!], 'no_stream');
    expect((await received).map((e) => e.id)).toEqual([event!.id]);
    controller.abort();
  });

  it('sees appends of another store on the same file, by polling and by the head in the file', async () => {
    const writer = open();
    const reader = open(25);
    const controller = new AbortController();
    const iterator = reader.subscribeToAll({ batchSize: 10, signal: controller.signal });
    const received = nextEvents(iterator[Symbol.asyncIterator]());
    const [event] = events(1);
    await writer.appendToStream('shared', [event!], 'no_stream');
    expect((await received).map((e) => e.id)).toEqual([event!.id]);
    controller.abort();

    await reader.appendToStream('shared', events(1), 0n);
    await expect(writer.appendToStream('shared', events(1), 0n)).rejects.toMatchObject({
      actual: 1n,
    });
    await expect(writer.appendToStream('shared', events(1), 1n)).resolves.toMatchObject({
      nextExpectedRevision: 2n,
    });
  });

  it('answers every pending append before close() resolves, and refuses appends after', async () => {
    const store = open(25, 1000);
    await store.appendToStream('closing-started', events(1), 'no_stream');
    const answered: AppendResult[] = [];
    const inFlight = store.appendToStream('closing-in-flight', events(1), 'no_stream');
    await new Promise(setImmediate);
    // Waiting for the 1 s group commit timer when close() is called.
    for (let i = 0; i < 50; i++) {
      void store
        .appendToStream(`closing-${i}`, events(1), 'no_stream')
        .then((result) => answered.push(result));
    }
    await store.close();
    expect(answered).toHaveLength(50);
    expect(answered.every((r) => r.nextExpectedRevision === 0n)).toBe(true);
    await expect(inFlight).resolves.toMatchObject({ nextExpectedRevision: 0n });
    await expect(store.appendToStream('closing-0', events(1), 0n)).rejects.toThrow(/closed/);
    await store.close();

    const reopened = open();
    expect(await reopened.readAll({ maxCount: 100 })).toHaveLength(52);
  });

  it('fails the appends in flight when the writer thread dies, and starts a new one', async () => {
    const store = open();
    await store.appendToStream('crash', events(1), 'no_stream');
    const inFlight = events(1);
    const outcome = store.appendToStream('crash', inFlight, 0n).catch((e: unknown) => e);
    await new Promise(setImmediate);
    await writerThreadOf(store).terminate();
    const answer = await outcome;
    if (answer instanceof Error) expect(answer.message).toMatch(/stopped/);
    // The outcome is unknown, so the caller retries with the same ids: idempotent either way.
    await expect(store.appendToStream('crash', inFlight, 0n)).resolves.toMatchObject({
      nextExpectedRevision: 1n,
    });
    expect(await store.readStream('crash')).toHaveLength(2);
  });
});

type Append = Parameters<EventStore['appendToStream']>;

const events = (count: number): EventToAppend[] =>
  Array.from({ length: count }, (_, i) => ({
    id: randomUUID(),
    type: 'probe',
    data: { i },
    metadata: { schemaVersion: 1 },
  }));

/** The next batch of a subscription, or a failure after 5 s. */
const nextEvents = async (iterator: AsyncIterator<RecordedEvent[]>): Promise<RecordedEvent[]> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('No events within 5 s')), 5000);
  });
  try {
    const next = await Promise.race([iterator.next(), timeout]);
    return next.done ? [] : next.value;
  } finally {
    clearTimeout(timer);
  }
};

/** The store's private worker, to kill it as a crash would. */
const writerThreadOf = (store: SqliteEventStore): Worker => {
  const { writer } = store as unknown as { writer: { worker: Worker | null } };
  if (!writer.worker) throw new Error('No writer thread is running');
  return writer.worker;
};

/** Counts the writer thread's commits: the store hears once of each, when its outcomes arrive. */
const countCommits = (store: SqliteEventStore): { readonly count: number } => {
  const { appended } = store as unknown as { appended: EventEmitter };
  const counter = { count: 0 };
  appended.on('appended', () => counter.count++);
  return counter;
};
