import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '@receipts/event-store';
import { RECEIPTS_PROJECTION, type ReadModelChange } from '@receipts/read-models';
import { type ReadStore, SqliteReadStore, type UnreadRepair } from '@receipts/read-store';
import { messageSent } from '@receipts/testing';
import { decodeRecorded, retryParked } from './poison-events';
import { ProjectionRunner, type ProjectionRunnerOptions } from './projection-runner';

const projection = RECEIPTS_PROJECTION;

/** A log and read models in a temporary directory, and a runner following them. */
const setUp = (wrap: (store: ReadStore) => ReadStore = (store) => store) => {
  const dir = mkdtempSync(join(tmpdir(), 'receipts-runner-control-'));
  const events = new SqliteEventStore(join(dir, 'events.sqlite'), 5);
  const reads = new SqliteReadStore(join(dir, 'read-models.sqlite'));
  const errors: unknown[] = [];
  const stop = new AbortController();
  let running: Promise<void> = Promise.resolve();
  const start = (options: Partial<ProjectionRunnerOptions> = {}) => {
    const runner = new ProjectionRunner(events, wrap(reads), {
      projection,
      batchSize: 100,
      backoffMs: 5,
      maxBackoffMs: 20,
      controlPollMs: 10,
      onError: (error) => errors.push(error),
      ...options,
    });
    running = runner.run(stop.signal);
    return runner;
  };
  /** Appends a registration of `sequence` in `c`, as the given schema version. */
  const register = async (c: string, sequence: number, schemaVersion = 1) =>
    events.appendToStream(
      `conversation-${c}`,
      [
        {
          id: randomUUID(),
          type: 'message_sent',
          data: messageSent({ conversationId: c, sequence }).data,
          metadata: { schemaVersion },
        },
      ],
      'any',
    );
  const projected = async (position: bigint) => {
    const until = Date.now() + 5_000;
    while (((await reads.loadCheckpoint(projection)) ?? 0n) < position) {
      if (Date.now() > until) throw new Error(`not projected up to ${position}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };
  const tearDown = async () => {
    stop.abort();
    await running;
    await events.close();
    await reads.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return { dir, events, reads, errors, start, register, projected, tearDown };
};

describe('ProjectionRunner, paused and resumed through the control record', () => {
  it('holds between batches while paused, says so, and goes on from its checkpoint when resumed', async () => {
    const t = setUp();
    try {
      const runner = t.start();
      await t.projected((await t.register('c1', 1)).position);
      await t.reads.setState(projection, 'paused', new Date());
      const until = Date.now() + 5_000;
      while (!runner.status().paused && Date.now() < until) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      expect(runner.status()).toMatchObject({ running: true, paused: true });
      const held = await t.reads.loadCheckpoint(projection);
      const second = await t.register('c1', 2);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await t.reads.loadCheckpoint(projection)).toBe(held);
      expect(await t.reads.findMessage('c1', 'm2')).toBeNull();

      await t.reads.setState(projection, 'running', new Date());
      await t.projected(second.position);
      expect(await t.reads.findMessage('c1', 'm2')).not.toBeNull();
      expect(runner.status().paused).toBe(false);
    } finally {
      await t.tearDown();
    }
  });
});

describe('ProjectionRunner and poison events', () => {
  it('parks an event it cannot decode, goes on with the later ones, and retry applies it after the fix', async () => {
    const t = setUp();
    try {
      t.start();
      await t.register('c1', 1);
      const poison = await t.register('c2', 1, 99);
      const later = await t.register('c1', 2);
      await t.projected(later.position);

      expect(await t.reads.findMessage('c1', 'm2')).not.toBeNull();
      expect(await t.reads.findMessage('c2', 'm1')).toBeNull();
      const parked = await t.reads.parkedEvents(projection);
      expect(parked).toEqual([
        expect.objectContaining({
          position: poison.position,
          type: 'message_sent',
          stream: 'conversation-c2',
          schemaVersion: 99,
          reason: expect.stringContaining('Unsupported schema version 99') as unknown,
        }),
      ]);

      // Without a fix the event stays parked, with its reason.
      expect(await retryParked(t.events, t.reads, projection, null)).toEqual([
        expect.objectContaining({ position: poison.position, outcome: 'still failing' }),
      ]);
      // The fix: a codec that reads version 99 as version 1.
      const fixed = (event: Parameters<typeof decodeRecorded>[0]) =>
        decodeRecorded({ ...event, metadata: { ...event.metadata, schemaVersion: 1 } });
      expect(await retryParked(t.events, t.reads, projection, null, fixed)).toEqual([
        { position: poison.position, type: 'message_sent', outcome: 'applied' },
      ]);
      expect(await t.reads.findMessage('c2', 'm1')).not.toBeNull();
      expect(await t.reads.totalUnread('bob')).toBe(3);
      expect(await t.reads.parkedEvents(projection)).toEqual([]);
      expect(await t.reads.loadCheckpoint(projection)).toBe(later.position);
    } finally {
      await t.tearDown();
    }
  });

  it('parks the one event of a failing batch whose changes fail alone, and applies the rest of it', async () => {
    const failsOn = (changes: readonly ReadModelChange[]) =>
      changes.some((c) => c.kind === 'message_registered' && c.conversationId === 'bad');
    const t = setUp(
      (store) =>
        new Proxy(store, {
          get: (target, name, receiver) =>
            name === 'apply'
              ? (p: string, changes: readonly ReadModelChange[], checkpoint: bigint) => {
                  if (failsOn(changes)) throw new TypeError('a violated invariant');
                  return target.apply(p, changes, checkpoint);
                }
              : (Reflect.get(target, name, receiver) as unknown),
        }),
    );
    try {
      await t.register('c1', 1);
      const bad = await t.register('bad', 1);
      const last = await t.register('c1', 2);
      t.start();
      await t.projected(last.position);
      expect(await t.reads.findMessage('c1', 'm1')).not.toBeNull();
      expect(await t.reads.findMessage('c1', 'm2')).not.toBeNull();
      expect((await t.reads.parkedEvents(projection)).map((p) => [p.position, p.reason])).toEqual([
        [bad.position, 'TypeError: a violated invariant'],
      ]);
    } finally {
      await t.tearDown();
    }
  });

  it('never parks on a store failure: it backs off and applies the batch when the store is back', async () => {
    let failures = 3;
    const t = setUp(
      (store) =>
        new Proxy(store, {
          get: (target, name, receiver) =>
            name === 'apply'
              ? (p: string, changes: readonly ReadModelChange[], checkpoint: bigint) => {
                  if (failures-- > 0)
                    return Promise.reject(new Error('SQLITE_BUSY: database is locked'));
                  return target.apply(p, changes, checkpoint);
                }
              : (Reflect.get(target, name, receiver) as unknown),
        }),
    );
    try {
      const last = await t.register('c1', 1);
      t.start();
      await t.projected(last.position);
      expect(await t.reads.parkedEvents(projection)).toEqual([]);
      expect(t.errors).toHaveLength(3);
      expect((await t.reads.loadControl(projection)).lastError).toBe(
        'Error: SQLITE_BUSY: database is locked',
      );
    } finally {
      await t.tearDown();
    }
  });
});

describe('ProjectionRunner reconciliation', () => {
  it('recounts the unread counts of recently changed cursors, fixes stale ones and says what was wrong', async () => {
    const t = setUp();
    try {
      const repairs: UnreadRepair[] = [];
      t.start({ reconcileEveryMs: 0, onReconciled: (found) => repairs.push(...found) });
      await t.projected((await t.register('c1', 1)).position);
      expect(repairs).toEqual([]);

      const raw = new Database(join(t.dir, 'read-models.sqlite'));
      // Bob's cursor says 7 where one message is unread; carol's total says 9 where her only
      // conversation says 1. The next registration adds one to each, as it should.
      raw.prepare(`UPDATE read_cursors SET unread = 7 WHERE user_id = 'bob'`).run();
      raw.prepare(`UPDATE user_unread SET total = 9 WHERE user_id = 'carol'`).run();
      raw.close();
      await t.projected((await t.register('c1', 2)).position);

      expect(repairs).toEqual([
        { model: 'read_cursors', userId: 'bob', conversationId: 'c1', stored: 8, recounted: 2 },
        { model: 'user_unread', userId: 'carol', stored: 10, recounted: 2 },
      ]);
      expect(await t.reads.findCursor('bob', 'c1')).toMatchObject({ unread: 2 });
      expect(await t.reads.totalUnread('bob')).toBe(2);
      expect(await t.reads.totalUnread('carol')).toBe(2);
    } finally {
      await t.tearDown();
    }
  });
});
