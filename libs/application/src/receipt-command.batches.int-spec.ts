import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReceiptError, receiptsStream } from '@receipts/domain';
import { type EventStore, SqliteEventStore } from '@receipts/event-store';
import {
  acknowledgeDelivery,
  acknowledgeDeliveryUpTo,
  markConversationRead,
  registerMessage,
} from '@receipts/testing';
import { type CommandOutcome, ReceiptCommandService } from './receipt-command.service';
import { ReceiptMetrics } from './receipt-metrics';

const bobs = receiptsStream('c1', 'bob');

const outcomeOrCode = (answer: PromiseSettledResult<CommandOutcome>): CommandOutcome | string =>
  answer.status === 'fulfilled'
    ? answer.value
    : answer.reason instanceof ReceiptError
      ? answer.reason.code
      : String(answer.reason);

/** ACKs sent together (one tick) against the real SQLite store: one append per stream. */
describe('ReceiptCommandService with many ACKs in one tick', () => {
  let dir: string;
  let store: SqliteEventStore;
  let commands: ReceiptCommandService;
  let appends: jest.SpiedFunction<EventStore['appendToStream']>;

  const appendsTo = (stream: string): number =>
    appends.mock.calls.filter(([appendedTo]) => appendedTo === stream).length;

  /** Each event of a stream as a short fact: `delivered 2.3`, `read 5`. */
  const facts = async (stream: string): Promise<string[]> =>
    (await store.readStream(stream)).map(({ type, data }) => {
      const event = data as { messages?: Array<{ sequence: number }>; readUpToSequence?: number };
      return type === 'message_delivered'
        ? `delivered ${event.messages!.map((m) => m.sequence).join('.')}`
        : `read ${String(event.readUpToSequence)}`;
    });

  const register = async (service: ReceiptCommandService, conversationId = 'c1') => {
    for (let sequence = 1; sequence <= 5; sequence++) {
      await service.registerMessage(
        registerMessage({ conversationId, sequence, messageId: `m${sequence}` }),
        {},
      );
    }
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'receipts-batches-'));
    store = new SqliteEventStore(join(dir, 'events.sqlite'), 5);
    commands = new ReceiptCommandService(store, new ReceiptMetrics());
    await register(commands);
    appends = jest.spyOn(store, 'appendToStream');
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('appends the ACKs of one stream once, answering each with its own outcome', async () => {
    const answers = await Promise.all([
      commands.acknowledge(acknowledgeDelivery({ messageIds: ['m1'] }), {}),
      commands.acknowledge(
        acknowledgeDelivery({ deviceId: 'tablet', messageIds: ['m2', 'm3'] }),
        {},
      ),
      commands.acknowledge(acknowledgeDeliveryUpTo({ upToSequence: 4 }), {}),
      commands.acknowledge(markConversationRead({ upToSequence: 2 }), {}),
      commands.acknowledge(markConversationRead({ deviceId: 'tablet', upToSequence: 5 }), {}),
    ]);
    expect(answers).toEqual([
      { applied: 1, duplicates: 0 },
      { applied: 2, duplicates: 0 },
      { applied: 1, duplicates: 0 },
      { applied: 1, duplicates: 0 },
      { applied: 1, duplicates: 0 },
    ]);
    expect(appends).toHaveBeenCalledTimes(1);
    expect(await facts(bobs)).toEqual([
      'delivered 1',
      'delivered 2.3',
      'delivered 4',
      'read 2',
      'read 5',
    ]);
    const [lastRead] = await store.readStream(bobs, 4n);
    expect(lastRead?.data).toMatchObject({ previousReadUpToSequence: 2, deviceId: 'tablet' });
  });

  it('appends once per stream when ACKs for many streams arrive together', async () => {
    await register(commands, 'c2');
    appends.mockClear();
    const streams = ['c1', 'c2'].flatMap((conversationId) =>
      ['bob', 'carol'].map((userId) => ({ conversationId, userId })),
    );
    const answers = await Promise.all(
      streams.flatMap((ids) => [
        commands.acknowledge(acknowledgeDelivery({ ...ids, messageIds: ['m1', 'm2'] }), {}),
        commands.acknowledge(acknowledgeDelivery({ ...ids, messageIds: ['m3'] }), {}),
        commands.acknowledge(markConversationRead({ ...ids, upToSequence: 4 }), {}),
      ]),
    );
    expect(answers.map(({ applied }) => applied)).toEqual(streams.flatMap(() => [2, 1, 1]));
    expect(appends).toHaveBeenCalledTimes(streams.length);
    for (const { conversationId, userId } of streams) {
      const stream = receiptsStream(conversationId, userId);
      expect(appendsTo(stream)).toBe(1);
      expect(await facts(stream)).toEqual(['delivered 1.2', 'delivered 3', 'read 4']);
    }
  });

  it('counts a repeated ACK inside a batch as a duplicate and appends its events once', async () => {
    const batch = () => [
      commands.acknowledge(acknowledgeDelivery({ messageIds: ['m1'] }), {}),
      commands.acknowledge(acknowledgeDelivery({ deviceId: 'tablet', messageIds: ['m1'] }), {}),
      commands.acknowledge(acknowledgeDelivery({ messageIds: ['m1', 'm2'] }), {}),
      commands.acknowledge(markConversationRead({ upToSequence: 3 }), {}),
      commands.acknowledge(markConversationRead({ upToSequence: 3 }), {}),
    ];
    expect(await Promise.all(batch())).toEqual([
      { applied: 1, duplicates: 0 },
      { applied: 0, duplicates: 1 },
      { applied: 1, duplicates: 1 },
      { applied: 1, duplicates: 0 },
      { applied: 0, duplicates: 1 },
    ]);
    expect(await Promise.all(batch())).toEqual([
      { applied: 0, duplicates: 1 },
      { applied: 0, duplicates: 1 },
      { applied: 0, duplicates: 2 },
      { applied: 0, duplicates: 1 },
      { applied: 0, duplicates: 1 },
    ]);
    expect(appends).toHaveBeenCalledTimes(1);
    expect(await facts(bobs)).toEqual(['delivered 1', 'delivered 2', 'read 3']);
  });

  it('answers a refused ACK with its own error while the rest of its batch applies', async () => {
    await commands.registerMessage(
      registerMessage({ sequence: 6, messageId: 'm6', recipientIds: ['carol'] }),
      {},
    );
    appends.mockClear();
    const answers = await Promise.allSettled([
      commands.acknowledge(acknowledgeDelivery({ messageIds: ['m1'] }), {}),
      commands.acknowledge(acknowledgeDelivery({ messageIds: ['m9'] }), {}),
      commands.acknowledge(acknowledgeDelivery({ messageIds: ['m6'] }), {}),
      commands.acknowledge(markConversationRead({ upToSequence: 9 }), {}),
      commands.acknowledge(acknowledgeDelivery({ messageIds: ['m1', 'm2'] }), {}),
    ]);
    expect(answers.map(outcomeOrCode)).toEqual([
      { applied: 1, duplicates: 0 },
      'NOT_YET_REGISTERED',
      'NOT_A_RECIPIENT',
      'NOT_YET_REGISTERED',
      { applied: 1, duplicates: 1 },
    ]);
    expect(appendsTo(bobs)).toBe(1);
    expect(await facts(bobs)).toEqual(['delivered 1', 'delivered 2']);
  });

  it('decides the whole batch again when another writer moved the stream behind the cache', async () => {
    await commands.acknowledge(acknowledgeDelivery({ messageIds: ['m1'] }), {});
    const otherNode = new ReceiptCommandService(store, new ReceiptMetrics());
    await otherNode.acknowledge(
      acknowledgeDelivery({ deviceId: 'tablet', messageIds: ['m3'] }),
      {},
    );
    appends.mockClear();
    const answers = await Promise.all([
      commands.acknowledge(acknowledgeDelivery({ messageIds: ['m2'] }), {}),
      commands.acknowledge(acknowledgeDelivery({ messageIds: ['m3'] }), {}),
      commands.acknowledge(acknowledgeDelivery({ messageIds: ['m3', 'm4'] }), {}),
      commands.acknowledge(markConversationRead({ upToSequence: 2 }), {}),
    ]);
    expect(answers).toEqual([
      { applied: 1, duplicates: 0 },
      { applied: 0, duplicates: 1 },
      { applied: 1, duplicates: 1 },
      { applied: 1, duplicates: 0 },
    ]);
    // The first append was refused on the stale revision, the second holds the whole batch.
    expect(appendsTo(bobs)).toBe(2);
    expect(await facts(bobs)).toEqual([
      'delivered 1',
      'delivered 3',
      'delivered 2',
      'delivered 4',
      'read 2',
    ]);
  });

  it('fails every ACK of a batch whose append fails, writes nothing, and then works again', async () => {
    // The store itself refuses the batch's last event (a read), after the deliveries before it
    // were inserted in the same append: the whole append must be undone, not just that event.
    const file = new Database(join(dir, 'events.sqlite'));
    file.pragma('busy_timeout = 10000');
    file.exec(`
      CREATE TABLE refuse_reads (refusing INTEGER);
      INSERT INTO refuse_reads VALUES (1);
      CREATE TRIGGER refuse_reads BEFORE INSERT ON events
        WHEN NEW.type = 'conversation_read' AND EXISTS (SELECT 1 FROM refuse_reads)
        BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END;
    `);
    const batch = () => [
      commands.acknowledge(acknowledgeDelivery({ messageIds: ['m1'] }), {}),
      commands.acknowledge(acknowledgeDelivery({ messageIds: ['m2'] }), {}),
      commands.acknowledge(markConversationRead({ upToSequence: 1 }), {}),
    ];
    try {
      const failed = await Promise.allSettled(batch());
      expect(appendsTo(bobs)).toBe(1);
      expect(failed.map(outcomeOrCode)).toEqual([
        'STORE_UNAVAILABLE',
        'STORE_UNAVAILABLE',
        'STORE_UNAVAILABLE',
      ]);
      expect(await store.readStream(bobs)).toEqual([]);
      file.exec('DELETE FROM refuse_reads');
      expect(await Promise.all(batch())).toEqual([
        { applied: 1, duplicates: 0 },
        { applied: 1, duplicates: 0 },
        { applied: 1, duplicates: 0 },
      ]);
      expect(await facts(bobs)).toEqual(['delivered 1', 'delivered 2', 'read 1']);
    } finally {
      file.close();
    }
  });
});
