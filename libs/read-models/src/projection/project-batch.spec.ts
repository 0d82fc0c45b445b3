import type { MessageDocument } from '../message-receipts.read-model';
import { type ReadCursorDocument, emptyCursor } from '../read-cursors.read-model';
import type { ReadModelChange } from '../read-model.changes';
import { documentKeys } from './document-keys';
import type { StoredDocuments } from './documents';
import { projectBatch, readKeys } from './project-batch';

const at = (second: number) => new Date(Date.UTC(2024, 4, 1, 12, 0, second)).toISOString();
const c = 'c1';

const registered = (
  sequence: number,
  recipientIds: string[],
  senderId = 'sam',
): Extract<ReadModelChange, { kind: 'message_registered' }> => ({
  kind: 'message_registered',
  conversationId: c,
  messageId: `m${sequence}`,
  sequence,
  senderId,
  sentAt: at(0),
  recipientIds,
});
const read = (userId: string, upTo: number, shared = true): ReadModelChange => ({
  kind: 'cursor_moved',
  conversationId: c,
  userId,
  deviceId: 'phone',
  readUpToSequence: upTo,
  receiptsShared: shared,
  readAt: at(upTo),
});
const message = (sequence: number, recipientCount: number): MessageDocument => ({
  conversationId: c,
  messageId: `m${sequence}`,
  sequence,
  senderId: 'sam',
  sentAt: at(0),
  recipientCount,
});
const cursor = (userId: string, fields: Partial<ReadCursorDocument>): ReadCursorDocument => ({
  ...emptyCursor(userId, c),
  ...fields,
});
const nothingStored: StoredDocuments = {
  messages: [],
  recipients: [],
  cursors: [],
  totals: [],
  counts: [],
  covered: new Map(),
  unreadAbove: [],
  coveredCounts: [],
};

describe('the receipts projection', () => {
  describe('documentKeys', () => {
    it('names each document the batch touches once', () => {
      const keys = documentKeys([
        registered(1, ['ann', 'bob']),
        registered(1, ['ann', 'bob']),
        read('ann', 1),
        {
          kind: 'message_delivered',
          conversationId: c,
          sequence: 1,
          userId: 'bob',
          deviceId: 'p',
          deliveredAt: at(1),
        },
      ]);
      expect(keys).toEqual({
        messageSlots: [{ conversationId: c, sequence: 1 }],
        messageIds: [{ conversationId: c, messageId: 'm1' }],
        recipients: [{ conversationId: c, sequence: 1, userId: 'bob' }],
        cursors: [
          { userId: 'ann', conversationId: c },
          { userId: 'bob', conversationId: c },
        ],
        totals: ['ann', 'bob'],
      });
    });
  });

  describe('readKeys', () => {
    it("asks for a shared read's messages from the shared cursor, a hidden one's from the read cursor, and each read's unread above it", () => {
      const base = {
        ...nothingStored,
        cursors: [cursor('ann', { readUpTo: 7, sharedReadUpTo: 3 })],
      };
      const changes = [read('ann', 9, false), read('ann', 12), registered(13, ['ann'])];
      expect(readKeys(base, changes)).toEqual({
        covered: [
          {
            change: 0,
            conversationId: c,
            userId: 'ann',
            fromExclusive: 7,
            toInclusive: 9,
          },
          {
            change: 1,
            conversationId: c,
            userId: 'ann',
            fromExclusive: 3,
            toInclusive: 12,
          },
        ],
        unreadAbove: [
          { conversationId: c, userId: 'ann', above: 9, excluding: [13] },
          { conversationId: c, userId: 'ann', above: 12, excluding: [13] },
        ],
      });
    });

    it('asks nothing for a read that does not move the cursor', () => {
      const base = { ...nothingStored, cursors: [cursor('ann', { readUpTo: 7 })] };
      expect(readKeys(base, [read('ann', 5)])).toEqual({ covered: [], unreadAbove: [] });
    });
  });

  describe('projectBatch', () => {
    it('writes a read as one step, one cursor, one total and the counts of the 50 messages it reads, in a group of 500', () => {
      const covered = Array.from({ length: 50 }, (_, i) => ({
        ...message(i + 1, 500),
        deliveredAt: null,
      }));
      const { writes, deltas } = projectBatch(
        {
          ...nothingStored,
          cursors: [cursor('user-7', { unread: 60 })],
          totals: [{ userId: 'user-7', total: 61 }],
          covered: new Map([[0, covered]]),
          unreadAbove: [10],
        },
        [read('user-7', 50)],
      );
      expect(writes.steps).toHaveLength(1);
      expect(writes.cursors).toEqual([
        cursor('user-7', { readUpTo: 50, sharedReadUpTo: 50, unread: 10, lastReadAt: at(50) }),
      ]);
      expect(writes.totals).toEqual([{ userId: 'user-7', total: 11 }]);
      expect([writes.messages, writes.recipients, writes.deliveries]).toEqual([[], [], []]);
      expect(writes.counts).toEqual(
        covered.map(({ sequence }) => ({ conversationId: c, sequence, delivered: 1, read: 1 })),
      );
      expect(deltas.map((d) => d.kind)).toEqual([
        'read',
        'cursor_moved',
        ...covered.map(() => 'counts'),
      ]);
    });

    it('counts from the stored counts, and leaves those an interrupted attempt at this batch already wrote', () => {
      const covered = [1, 2].map((sequence) => ({ ...message(sequence, 5), deliveredAt: null }));
      const { writes } = projectBatch(
        {
          ...nothingStored,
          covered: new Map([[0, covered]]),
          unreadAbove: [0],
          coveredCounts: [
            { conversationId: c, sequence: 1, delivered: 3, read: 2 },
            { conversationId: c, sequence: 2, delivered: 4, read: 1 },
          ],
          settled: { cursors: [], totals: [], counts: [{ conversationId: c, sequence: 2 }] },
        },
        [read('ann', 2)],
      );
      expect(writes.counts).toEqual([{ conversationId: c, sequence: 1, delivered: 4, read: 3 }]);
    });

    it('counts a delivery ACK only for a recipient whose read has not counted the message', () => {
      const stored = {
        ...nothingStored,
        messages: [message(1, 5), message(2, 5)],
        recipients: [1, 2].map((sequence) => ({
          conversationId: c,
          sequence,
          userId: 'ann',
          deliveredAt: null,
          deliveredDevice: null,
        })),
        cursors: [cursor('ann', { readUpTo: 1 })],
      };
      const deliver = (sequence: number) => ({
        kind: 'message_delivered' as const,
        conversationId: c,
        sequence,
        userId: 'ann',
        deviceId: 'p',
        deliveredAt: at(9),
      });
      const { writes } = projectBatch(stored, [deliver(1), deliver(2)]);
      expect(writes.counts).toEqual([{ conversationId: c, sequence: 2, delivered: 1, read: 0 }]);
    });

    it('leaves cursors and totals an interrupted attempt at this batch already wrote', () => {
      const settledCursor = cursor('ann', { unread: 1 });
      const { writes, deltas } = projectBatch(
        {
          ...nothingStored,
          cursors: [settledCursor],
          totals: [{ userId: 'ann', total: 1 }],
          settled: { cursors: [{ userId: 'ann', conversationId: c }], totals: ['ann'] },
        },
        [registered(1, ['ann', 'bob'])],
      );
      expect(writes.cursors).toEqual([cursor('bob', { unread: 1 })]);
      expect(writes.totals).toEqual([{ userId: 'bob', total: 1 }]);
      expect(writes.recipients.map((r) => r.userId)).toEqual(['ann', 'bob']);
      expect(deltas).toHaveLength(1);
    });

    it('registers nothing for a taken slot or message id', () => {
      const { writes, deltas } = projectBatch({ ...nothingStored, messages: [message(1, 1)] }, [
        registered(1, ['ann']),
        { ...registered(2, ['ann']), messageId: 'm1' },
      ]);
      expect(writes).toEqual({
        messages: [],
        recipients: [],
        deliveries: [],
        steps: [],
        cursors: [],
        totals: [],
        counts: [],
      });
      expect(deltas).toEqual([]);
    });
  });
});
