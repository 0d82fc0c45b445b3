import { randomUUID } from 'node:crypto';
import {
  type EventStore,
  type EventToAppend,
  type GlobalPosition,
  type RecordedEvent,
  WrongExpectedRevisionError,
} from '@receipts/event-store';

export type OpenedEventStore = Readonly<{
  store: EventStore;
  /** A fresh store over the same data; the suite closes `store` before calling it. */
  reopen?: () => Promise<EventStore>;
  /** Closes every store handed out (closing one twice must be harmless) and drops the data. */
  cleanup: () => Promise<void>;
}>;

/**
 * The EventStore port's contract, for every adapter. Stream names are unique per test and no
 * test assumes it is alone in the log, so the suite also runs against a shared server.
 */
export const describeEventStoreConformance = (
  adapterName: string,
  open: () => Promise<OpenedEventStore>,
): void => {
  describe(`EventStore conformance: ${adapterName}`, () => {
    let opened: OpenedEventStore;
    let store: EventStore;

    beforeEach(async () => {
      opened = await open();
      store = opened.store;
    });
    afterEach(() => opened.cleanup());

    describe('appendToStream', () => {
      it('creates a stream with no_stream and numbers its events from revision 0', async () => {
        const stream = streamName('create');
        const result = await store.appendToStream(stream, someEvents(3), 'no_stream');
        const recorded = await store.readStream(stream);
        expect(recorded.map((e) => e.revision)).toEqual([0n, 1n, 2n]);
        expect(result).toEqual({ nextExpectedRevision: 2n, position: recorded[2]!.position });
      });

      it('appends after the revision it expects, with bigint revisions and positions', async () => {
        const stream = streamName('bigint');
        await store.appendToStream(stream, someEvents(2), 'no_stream');
        const result = await store.appendToStream(stream, someEvents(2), 1n);
        expect(typeof result.nextExpectedRevision).toBe('bigint');
        expect(typeof result.position).toBe('bigint');
        expect(result.nextExpectedRevision).toBe(3n);
        const recorded = await store.readStream(stream);
        expect(recorded.every((e) => typeof e.revision === 'bigint')).toBe(true);
        expect(recorded.every((e) => typeof e.position === 'bigint')).toBe(true);
      });

      it('rejects a wrong expected revision with WrongExpectedRevisionError and writes nothing', async () => {
        const stream = streamName('wrong');
        expectWrongRevision(await rejection(store.appendToStream(stream, someEvents(1), 0n)), {
          stream,
          expected: 0n,
          actual: 'no_stream',
        });
        expect(await store.readStream(stream)).toEqual([]);

        await store.appendToStream(stream, someEvents(2), 'no_stream');
        const refused = someEvents(2);
        for (const expected of ['no_stream', 0n, 5n, 2n ** 62n] as const) {
          const error = await rejection(store.appendToStream(stream, refused, expected));
          expectWrongRevision(error, { stream, expected, actual: 1n });
        }
        expect(await store.readStream(stream)).toHaveLength(2);
        // A refused append leaves its ids free for the write that comes in at the right revision.
        await expect(store.appendToStream(stream, refused, 1n)).resolves.toMatchObject({
          nextExpectedRevision: 3n,
        });
      });

      it("appends with 'any' whatever the stream's revision", async () => {
        const stream = streamName('any');
        await expect(store.appendToStream(stream, someEvents(1), 'any')).resolves.toMatchObject({
          nextExpectedRevision: 0n,
        });
        await expect(store.appendToStream(stream, someEvents(2), 'any')).resolves.toMatchObject({
          nextExpectedRevision: 2n,
        });
      });

      it('returns the earlier result for a retry with the same event ids and writes nothing new', async () => {
        const stream = streamName('retry');
        const first = someEvents(2);
        const original = await store.appendToStream(stream, first, 'no_stream');
        await expect(store.appendToStream(stream, first, 'no_stream')).resolves.toEqual(original);
        expect(await store.readStream(stream)).toHaveLength(2);

        const second = someEvents(1);
        const secondResult = await store.appendToStream(stream, second, 1n);
        await store.appendToStream(stream, someEvents(2), 2n);
        // The stream moved on; late retries of both earlier appends still succeed as no-ops.
        await expect(store.appendToStream(stream, first, 'no_stream')).resolves.toEqual(original);
        await expect(store.appendToStream(stream, second, 1n)).resolves.toEqual(secondResult);
        expect(await store.readStream(stream)).toHaveLength(5);
      });

      it('round-trips id, type, data and metadata', async () => {
        const stream = streamName('roundtrip');
        const data = {
          text: 'héllo 👋 "quoted" \\ \n',
          count: 42,
          ratio: -1.5,
          flag: false,
          nothing: null,
          list: [1, 'two', { three: 3 }],
          nested: { deeper: { empty: [] as unknown[], emptyObject: {} } },
        };
        const metadata = {
          schemaVersion: 3,
          correlationId: 'corr-1',
          causationId: 'cause-1',
          deviceId: null,
        };
        const written: EventToAppend = { id: randomUUID(), type: 'thing_happened', data, metadata };
        const before = Date.now();
        await store.appendToStream(stream, [written], 'no_stream');
        const [event] = await store.readStream(stream);
        expect(event).toMatchObject({
          id: written.id,
          stream,
          revision: 0n,
          type: 'thing_happened',
        });
        expect(event!.data).toEqual(data);
        expect(event!.metadata).toEqual(metadata);
        expect(event!.recordedAt).toBeInstanceOf(Date);
        // Generous: a server's clock may drift from ours.
        expect(Math.abs(event!.recordedAt.getTime() - before)).toBeLessThan(10 * 60_000);
      });
    });

    describe('readStream and readAll', () => {
      it('reads a stream from a revision, and nothing for a missing stream or revision', async () => {
        const stream = streamName('from');
        const written = someEvents(5);
        await store.appendToStream(stream, written, 'no_stream');
        const tail = await store.readStream(stream, 2n);
        expect(tail.map((e) => e.revision)).toEqual([2n, 3n, 4n]);
        expect(tail.map((e) => e.id)).toEqual(written.slice(2).map((e) => e.id));
        expect(await store.readStream(stream, 5n)).toEqual([]);
        expect(await store.readStream(streamName('missing'))).toEqual([]);
      });

      it('reads the log after a position, in log order, at most maxCount', async () => {
        const [one, two] = [streamName('all-1'), streamName('all-2')];
        const [a1, a2] = someEvents(2);
        const [b1] = someEvents(1);
        const [a3] = someEvents(1);
        await store.appendToStream(one, [a1!, a2!], 'no_stream');
        await store.appendToStream(two, [b1!], 'no_stream');
        await store.appendToStream(one, [a3!], 1n);
        const after = (await store.readStream(one))[0]!.position;
        const ours = (events: RecordedEvent[]) =>
          events.filter((e) => e.stream === one || e.stream === two).map((e) => e.id);

        const all = await store.readAll({ after, maxCount: 1000 });
        expect(ours(all)).toEqual([a2!.id, b1!.id, a3!.id]);
        expectIncreasing(
          all.map((e) => e.position),
          after,
        );

        const page = await store.readAll({ after, maxCount: 2 });
        expect(page).toHaveLength(2);
        expectIncreasing(
          page.map((e) => e.position),
          after,
        );
        expect([a2!.id, b1!.id, a3!.id].slice(0, ours(page).length)).toEqual(ours(page));

        const fromStart = await store.readAll({ maxCount: 5 });
        expect(fromStart.length).toBeGreaterThan(0);
        expect(fromStart.length).toBeLessThanOrEqual(5);
        expectIncreasing(fromStart.map((e) => e.position));
      });

      it('gives every event a position above every earlier one', async () => {
        const [one, two] = [streamName('pos-1'), streamName('pos-2')];
        const results = [
          await store.appendToStream(one, someEvents(3), 'no_stream'),
          await store.appendToStream(two, someEvents(2), 'no_stream'),
          await store.appendToStream(one, someEvents(2), 2n),
        ];
        expectIncreasing(results.map((r) => r.position));
        const streamOne = await store.readStream(one);
        expectIncreasing(streamOne.map((e) => e.position));
        const first = streamOne[0]!.position;
        const logged = (await store.readAll({ after: first, maxCount: 1000 })).filter(
          (e) => e.stream === one || e.stream === two,
        );
        expect(logged).toHaveLength(6);
        expectIncreasing([first, ...logged.map((e) => e.position)]);
        expect(logged.at(-1)!.position).toBe(results[2]!.position);
      });
    });

    describe('headPosition', () => {
      it('is the position of the last event in the log, read without paging', async () => {
        const stream = streamName('head');
        const appended = await store.appendToStream(stream, someEvents(3), 'no_stream');
        const head = await store.headPosition();
        expect(typeof head).toBe('bigint');
        expect(head!).toBeGreaterThanOrEqual(appended.position);
        // Others may append to a shared server meanwhile: the head is still one of the log's events.
        const since = await store.readAll({ after: appended.position, maxCount: 1000 });
        const positions = [appended.position, ...since.map((e) => e.position)];
        expect(positions).toContain(head);
      });

      it('moves with each append', async () => {
        const stream = streamName('head-moves');
        await store.appendToStream(stream, someEvents(1), 'no_stream');
        const before = await store.headPosition();
        const appended = await store.appendToStream(stream, someEvents(1), 0n);
        const after = await store.headPosition();
        expect(after!).toBeGreaterThan(before!);
        expect(after!).toBeGreaterThanOrEqual(appended.position);
      });
    });

    describe('subscribeToAll', () => {
      it('catches up from a position, then delivers live appends in batches, and stops on abort', async () => {
        const stream = streamName('subscribe');
        const written = someEvents(3);
        await store.appendToStream(stream, written, 'no_stream');
        const after = (await store.readStream(stream))[0]!.position;
        const controller = new AbortController();
        const subscription = follow(
          store,
          { after, batchSize: 2, signal: controller.signal },
          stream,
        );

        const caughtUp = await subscription.take(2);
        expect(caughtUp.map((e) => e.id)).toEqual(written.slice(1).map((e) => e.id));

        const live = someEvents(3);
        await store.appendToStream(stream, live.slice(0, 1), 2n);
        await store.appendToStream(stream, live.slice(1), 3n);
        const followed = await subscription.take(3);
        expect(followed.map((e) => e.id)).toEqual(live.map((e) => e.id));
        expect(followed[0]!.data).toEqual(live[0]!.data);

        controller.abort();
        await subscription.ends();
        expect(subscription.batches.every((b) => b.length <= 2)).toBe(true);
        expectIncreasing(
          subscription.batches.flat().map((e) => e.position),
          after,
        );
      });

      it('stops when aborted while waiting for new events', async () => {
        const stream = streamName('idle');
        const result = await store.appendToStream(stream, someEvents(1), 'no_stream');
        const controller = new AbortController();
        const subscription = follow(
          store,
          { after: result.position, batchSize: 10, signal: controller.signal },
          stream,
        );
        const ended = subscription.ends();
        setTimeout(() => controller.abort(), 50);
        await ended;
        expect(subscription.batches.flat().filter((e) => e.stream === stream)).toEqual([]);
      });

      it('yields nothing when the signal is already aborted', async () => {
        const stream = streamName('aborted');
        await store.appendToStream(stream, someEvents(2), 'no_stream');
        const after = (await store.readStream(stream))[0]!.position;
        const subscription = store.subscribeToAll({
          after,
          batchSize: 10,
          signal: AbortSignal.abort(),
        });
        const iterator = subscription[Symbol.asyncIterator]();
        await expect(withTimeout(iterator.next(), 2000, 'end')).resolves.toMatchObject({
          done: true,
        });
      });
    });

    describe('concurrency', () => {
      it('commits many concurrent appends to different streams', async () => {
        const streams = Array.from({ length: 50 }, () => streamName('group'));
        const results = await Promise.all(
          streams.map((s) => store.appendToStream(s, someEvents(2), 'no_stream')),
        );
        expect(results.every((r) => r.nextExpectedRevision === 1n)).toBe(true);
        expect(new Set(results.map((r) => r.position)).size).toBe(streams.length);
        const lengths = await Promise.all(
          streams.map(async (s) => (await store.readStream(s)).length),
        );
        expect(lengths).toEqual(streams.map(() => 2));
      });

      it('lets exactly one of several appends at the same expected revision win', async () => {
        const stream = streamName('race');
        const creators = Array.from({ length: 5 }, () => someEvents(1));
        const created = await Promise.allSettled(
          creators.map((e) => store.appendToStream(stream, e, 'no_stream')),
        );
        expectOneWinner(created);

        const contenders = Array.from({ length: 10 }, () => someEvents(1));
        const raced = await Promise.allSettled(
          contenders.map((e) => store.appendToStream(stream, e, 0n)),
        );
        const winner = expectOneWinner(raced);
        const recorded = await store.readStream(stream);
        expect(recorded).toHaveLength(2);
        expect(recorded[1]!.id).toBe(contenders[winner]![0]!.id);
      });

      it('fails an append that cannot be stored alone, not the appends committed with it', async () => {
        const streams = Array.from({ length: 5 }, () => streamName('isolated'));
        const unstorable: EventToAppend = { ...someEvents(1)[0]!, data: { tooBig: 1n } };
        const settled = await Promise.allSettled([
          store.appendToStream(streams[0]!, someEvents(2), 'no_stream'),
          store.appendToStream(streams[1]!, [...someEvents(1), unstorable], 'no_stream'),
          store.appendToStream(streams[2]!, someEvents(1), 7n),
          store.appendToStream(streams[3]!, someEvents(1), 'no_stream'),
          store.appendToStream(streams[4]!, someEvents(3), 'any'),
        ]);
        expect(settled.map((s) => s.status)).toEqual([
          'fulfilled',
          'rejected',
          'rejected',
          'fulfilled',
          'fulfilled',
        ]);
        const reasons = settled.map((s) =>
          s.status === 'rejected' ? (s.reason as unknown) : null,
        );
        expect(reasons[1]).toBeInstanceOf(Error);
        expect(reasons[1]).not.toBeInstanceOf(WrongExpectedRevisionError);
        expectWrongRevision(reasons[2], { stream: streams[2]!, expected: 7n, actual: 'no_stream' });
        const lengths = await Promise.all(
          streams.map(async (s) => (await store.readStream(s)).length),
        );
        expect(lengths).toEqual([2, 0, 0, 1, 3]);
      });
    });

    it('keeps appended events and their ids across a reopen (when the adapter can reopen)', async () => {
      if (!opened.reopen) return;
      const stream = streamName('durable');
      const first = someEvents(2);
      const original = await store.appendToStream(stream, first, 'no_stream');
      await store.appendToStream(stream, someEvents(1), 1n);
      const before = await store.readStream(stream);
      await store.close();

      const reopened = await opened.reopen();
      expect(await reopened.readStream(stream)).toEqual(before);
      await expect(reopened.appendToStream(stream, first, 'no_stream')).resolves.toEqual(original);
      const next = await reopened.appendToStream(stream, someEvents(1), 2n);
      expect(next.nextExpectedRevision).toBe(3n);
      expect(next.position > before.at(-1)!.position).toBe(true);
    });
  });
};

const streamName = (label: string): string => `conformance_${label}-${randomUUID()}`;

const someEvents = (count: number): EventToAppend[] =>
  Array.from({ length: count }, (_, i) => ({
    id: randomUUID(),
    type: 'conformance_checked',
    data: { index: i, label: `event ${i}` },
    metadata: { schemaVersion: 1, correlationId: randomUUID() },
  }));

const rejection = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    (value) => {
      throw new Error(`Expected a rejection, got ${String(value)}`);
    },
    (error: unknown) => error,
  );

const expectWrongRevision = (
  error: unknown,
  expected: Pick<WrongExpectedRevisionError, 'stream' | 'expected' | 'actual'>,
): void => {
  expect(error).toBeInstanceOf(WrongExpectedRevisionError);
  expect(error).toMatchObject(expected);
};

const expectOneWinner = (settled: PromiseSettledResult<unknown>[]): number => {
  expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(1);
  for (const s of settled) {
    if (s.status === 'rejected') expect(s.reason).toBeInstanceOf(WrongExpectedRevisionError);
  }
  return settled.findIndex((s) => s.status === 'fulfilled');
};

const expectIncreasing = (positions: readonly GlobalPosition[], above?: GlobalPosition): void => {
  const all = above === undefined ? positions : [above, ...positions];
  all.slice(1).forEach((position, i) => {
    if (!(position > all[i]!)) {
      throw new Error(`Positions do not increase: ${all.map(String).join(', ')}`);
    }
  });
};

const withTimeout = <T>(promise: Promise<T>, ms: number, what: string): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
};

/** Reads a subscription by hand, keeping every batch, and picks out one stream's events. */
const follow = (
  store: EventStore,
  options: Parameters<EventStore['subscribeToAll']>[0],
  stream: string,
) => {
  const iterator = store.subscribeToAll(options)[Symbol.asyncIterator]();
  const batches: RecordedEvent[][] = [];
  let pending: RecordedEvent[] = [];
  const next = async (): Promise<boolean> => {
    const result = await withTimeout(iterator.next(), 5000, 'the subscription');
    if (result.done) return false;
    batches.push(result.value);
    pending.push(...result.value.filter((e) => e.stream === stream));
    return true;
  };
  return {
    batches,
    take: async (count: number): Promise<RecordedEvent[]> => {
      while (pending.length < count) {
        if (!(await next())) throw new Error('The subscription ended early');
      }
      const taken = pending.slice(0, count);
      pending = pending.slice(count);
      return taken;
    },
    /** Resolves once the subscription ends; a batch already in flight may still arrive. */
    ends: async (): Promise<void> => {
      while (await next());
    },
  };
};
