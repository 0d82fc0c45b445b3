import { ReceiptError } from '@receipts/domain';
import { RECEIPTS_PROJECTION } from '@receipts/read-models';
import { emptyDocuments } from '@receipts/read-store';
import {
  conversationRead,
  later,
  messageDelivered,
  messageSent,
  now,
  recordedLog,
} from '@receipts/testing';
import { LogReplay } from '../drift/log-replay';
import { explainMessage } from './explain-message';
import { explainUnread } from './explain-unread';

/** alice sends m1..m4 to bob and carol; bob reads to 2 (shared); carol reads to 1 hidden, then to 2 shared. */
const events = [
  messageSent({ sequence: 1 }),
  messageSent({ sequence: 2 }),
  messageSent({ sequence: 3 }),
  messageSent({ sequence: 4 }),
  messageDelivered({ sequences: [1, 2] }),
  conversationRead({ readUpToSequence: 2 }),
  conversationRead({ userId: 'carol', readUpToSequence: 1, receiptsShared: false }),
  conversationRead({
    userId: 'carol',
    readUpToSequence: 2,
    previousReadUpToSequence: 1,
    previousSharedReadUpToSequence: 0,
    readAt: later,
  }),
];

const given = async () => {
  const log = recordedLog(events);
  const replay = new LogReplay(log, RECEIPTS_PROJECTION);
  await replay.catchUp(BigInt(events.length));
  return { log, reads: replay.store };
};

describe('explainUnread', () => {
  it('lists the messages above each cursor that make the count, and the total beside their sum', async () => {
    const { reads } = await given();
    const bob = await explainUnread(reads, 'bob', undefined, 10);
    expect(bob).toMatchObject({ userId: 'bob', totalUnread: 2, sumOfConversations: 2 });
    expect(bob.conversations).toEqual([
      expect.objectContaining({
        conversationId: 'c1',
        readUpTo: 2,
        sharedReadUpTo: 2,
        unread: 2,
        complete: true,
        consistent: true,
      }),
    ]);
    expect(bob.conversations[0]!.messages.map((m) => [m.messageId, m.deliveredAt])).toEqual([
      ['m3', null],
      ['m4', null],
    ]);
  });

  it('cuts the list at the limit and says it is incomplete', async () => {
    const { reads } = await given();
    const [c1] = (await explainUnread(reads, 'bob', 'c1', 1)).conversations;
    expect(c1).toMatchObject({ unread: 2, complete: false, consistent: null });
    expect(c1!.messages.map((m) => m.messageId)).toEqual(['m3']);
  });

  it('shows a stored count that the messages above the cursor do not make', async () => {
    const { reads } = await given();
    const cursor = (await reads.findCursor('bob', 'c1'))!;
    await reads.patch(
      RECEIPTS_PROJECTION,
      BigInt(events.length),
      {
        put: {
          ...emptyDocuments(),
          cursors: [{ ...cursor, unread: 5 }],
          totals: [{ userId: 'bob', total: 9 }],
        },
        remove: emptyDocuments(),
      },
      {
        projection: RECEIPTS_PROJECTION,
        repairedAt: now,
        operator: 'test',
        checkpoint: null,
        documents: {},
      },
    );
    const bob = await explainUnread(reads, 'bob', undefined, 10);
    expect(bob).toMatchObject({ totalUnread: 9, sumOfConversations: 5 });
    expect(bob.conversations[0]).toMatchObject({ unread: 5, consistent: false });
  });
});

describe('explainMessage', () => {
  it("shows each recipient's state beside the events behind it, hidden and later shared reads included", async () => {
    const { log, reads } = await given();
    const m1 = await explainMessage(log, reads, 'c1', 'm1');
    expect(m1.message).toMatchObject({ messageId: 'm1', sequence: 1, position: '1' });
    expect(m1.inReadModels).toBe(true);
    const effects = m1.recipients.map((r) => [
      r.userId,
      r.shown?.status,
      r.events.map((e) => [e.position, e.effect]),
    ]);
    expect(effects).toEqual([
      [
        'bob',
        'read',
        [
          ['5', 'delivered: a delivered ACK covering it'],
          ['6', 'read: the cursor moved past it, shown to the sender'],
        ],
      ],
      [
        'carol',
        'read',
        [
          ['7', 'read with receipts off: shown to the sender only as delivered'],
          ['8', 'read shared later: a shared read covering it shows it as read'],
        ],
      ],
    ]);
    const m3 = await explainMessage(log, reads, 'c1', 'm3');
    expect(m3.recipients.map((r) => [r.userId, r.shown?.status, r.events])).toEqual([
      ['bob', 'sent', []],
      ['carol', 'sent', []],
    ]);
  });

  it('refuses a message the log does not have with UNKNOWN_MESSAGE', async () => {
    const { log, reads } = await given();
    await expect(explainMessage(log, reads, 'c1', 'm9')).rejects.toEqual(
      expect.objectContaining<Partial<ReceiptError>>({ code: 'UNKNOWN_MESSAGE' }),
    );
  });
});
