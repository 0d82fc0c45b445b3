import Database from 'better-sqlite3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ReadModelChange,
  countReceipts,
  recipientReceipt,
} from '@receipts/read-models';
import type { ReadStore } from './read-store';
import { MemoryReadStore } from './memory-read-store';
import { readModelContents } from './sqlite-read-model-contents';
import { SqliteReadStore } from './sqlite-read-store';

/** A deterministic generator (mulberry32), so a failure replays the same changes. */
const random = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

/**
 * Registrations (some out of order, some repeated), deliveries (some twice, some of unknown
 * messages) and read cursors (forward, backward, repeated, with receipts on and off) over a few
 * conversations whose members overlap.
 */
const someChanges = (count: number, seed: number): ReadModelChange[] => {
  const next = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const users = ['u1', 'u2', 'u3', 'u4', 'u5', 'u6'];
  const conversations = ['c1', 'c2', 'c3', 'c4'];
  const last = new Map<string, number>();
  const at = (i: number) => new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString();
  const changes: ReadModelChange[] = [];
  for (let i = 0; i < count; i++) {
    const conversationId = pick(conversations);
    const top = last.get(conversationId) ?? 0;
    const roll = next();
    if (roll < 0.3 || top === 0) {
      const sequence = next() < 0.1 && top > 2 ? top - 1 : top + 1 + Math.floor(next() * 2);
      last.set(conversationId, Math.max(top, sequence));
      const senderId = pick(users);
      const recipientIds = users.filter((u) => u !== senderId && next() < 0.7);
      changes.push({
        kind: 'message_registered',
        conversationId,
        messageId: `m${sequence}`,
        sequence,
        senderId,
        sentAt: at(i),
        recipientIds: recipientIds.length > 0 ? recipientIds : [users.find((u) => u !== senderId)!],
      });
    } else if (roll < 0.65) {
      changes.push({
        kind: 'message_delivered',
        conversationId,
        sequence: 1 + Math.floor(next() * (top + 1)),
        userId: pick(users),
        deviceId: pick(['d1', 'd2']),
        deliveredAt: at(i),
      });
    } else {
      changes.push({
        kind: 'cursor_moved',
        conversationId,
        userId: pick(users),
        deviceId: next() < 0.2 ? null : pick(['d1', 'd2']),
        readUpToSequence: 1 + Math.floor(next() * top),
        receiptsShared: next() < 0.8,
        readAt: at(i),
      });
    }
  }
  return changes;
};

/** Applies the changes in batches of random sizes, each at its own checkpoint. */
const applyInBatches = async (
  store: ReadStore,
  changes: readonly ReadModelChange[],
  seed: number,
): Promise<void> => {
  const next = random(seed);
  let position = 0n;
  for (let i = 0; i < changes.length;) {
    const size = 1 + Math.floor(next() * 60);
    position += 1n;
    await store.apply('receipts', changes.slice(i, i + size), position);
    i += size;
  }
};

describe('a rebuild folded in memory and imported into SQLite', () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'receipts-import-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it.each([1, 2, 3])('equals the same changes applied batch by batch (seed %i)', async (seed) => {
    const changes = someChanges(3000, seed);
    const live = new SqliteReadStore(join(dir, 'live.sqlite'));
    await applyInBatches(live, changes, seed);
    await live.close();

    const memory = new MemoryReadStore();
    await applyInBatches(memory, changes, seed + 100);
    const rebuilt = new SqliteReadStore(join(dir, 'rebuilt.sqlite'), { bulk: true });
    await rebuilt.importRows(memory.rows());
    await rebuilt.close();

    const expected = readModelContents(join(dir, 'live.sqlite'));
    expect(expected.read_steps.length).toBeGreaterThan(100);
    expect(expected.user_unread.length).toBeGreaterThan(0);
    expect(readModelContents(join(dir, 'rebuilt.sqlite'))).toEqual(expected);
  });

  it('replaces what the store held before', async () => {
    const store = new SqliteReadStore(join(dir, 'store.sqlite'), { bulk: true });
    await applyInBatches(store, someChanges(200, 7), 7);
    await store.importRows(new MemoryReadStore().rows());
    await store.close();
    const contents = readModelContents(join(dir, 'store.sqlite'));
    expect(Object.values(contents).every((rows) => rows.length === 0)).toBe(true);
  });
});

describe('message counts', () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'receipts-counts-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it.each([11, 12, 13])('equal a recount of every message from its recipients, after any changes in any batches (seed %i)', async (seed) => {
    const store = new SqliteReadStore(join(dir, 'store.sqlite'));
    await applyInBatches(store, someChanges(2000, seed), seed);
    const messages = readModelContents(join(dir, 'store.sqlite')).messages.map(
      (row) => JSON.parse(row) as [conversationId: string, sequence: number],
    );
    expect(messages.length).toBeGreaterThan(100);
    for (const [c, sequence] of messages) {
      const facts = await store.recipientFacts(c, sequence);
      expect(await store.recipientCounts(c, sequence)).toEqual(
        countReceipts(facts.map(recipientReceipt)),
      );
    }
    await store.close();
  });

  it('are counted once when a file written before they were kept is opened', async () => {
    const file = join(dir, 'older.sqlite');
    const store = new SqliteReadStore(file);
    await applyInBatches(store, someChanges(1000, 12), 12);
    await store.close();
    const expected = readModelContents(file);
    expect(expected.message_counts.length).toBeGreaterThan(50);
    const older = new Database(file);
    older.exec('DROP TABLE message_counts');
    older.close();

    await new SqliteReadStore(file).close();
    expect(readModelContents(file)).toEqual(expected);
  });
});
