import type { MessageDocument } from '../message-receipts.read-model';
import { emptyCursor } from '../read-cursors.read-model';
import type { ReceiptDelta } from '../projection/receipt-deltas';
import { feedEntries, feedUsers } from './feed-entries';
import { feedGap } from './feed-page';

const message = (sequence: number, senderId: string, recipientCount = 2): MessageDocument => ({
  conversationId: 'c1',
  messageId: `m${sequence}`,
  sequence,
  senderId,
  sentAt: 't0',
  recipientCount,
});
const delivered = (sequence: number, senderId: string): ReceiptDelta => ({
  kind: 'delivered',
  message: message(sequence, senderId),
  recipientId: 'ann',
  deliveredAt: `t${sequence}`,
});
const cursorMoved = (userId: string, upTo: number, unread: number): ReceiptDelta => ({
  kind: 'cursor_moved',
  deviceId: 'phone',
  shared: true,
  cursor: { ...emptyCursor(userId, 'c1'), readUpTo: upTo, sharedReadUpTo: upTo, unread },
  totalUnread: unread + 2,
});

describe('the change feed', () => {
  describe('feedEntries', () => {
    it('numbers each user’s entries on from their stored head, in log order', () => {
      const deltas = [delivered(1, 'sam'), delivered(2, 'bob'), delivered(3, 'sam')];
      const { entries, heads } = feedEntries(deltas, new Map([['sam', 7]]), 100);
      expect(entries.map((e) => [e.userId, e.position])).toEqual([
        ['sam', 8],
        ['bob', 1],
        ['sam', 9],
      ]);
      expect(heads).toEqual([
        { userId: 'sam', head: 9 },
        { userId: 'bob', head: 1 },
      ]);
    });

    it('tells each sender of a read only their own messages, in one entry', () => {
      const deltas: ReceiptDelta[] = [
        {
          kind: 'read',
          conversationId: 'c1',
          readerId: 'ann',
          readUpToSequence: 3,
          readAt: 't3',
          messages: [message(1, 'sam'), message(2, 'bob'), message(3, 'sam')],
        },
      ];
      const { entries } = feedEntries(deltas, new Map(), 100);
      expect(entries.map((e) => [e.userId, e.change])).toEqual([
        [
          'sam',
          expect.objectContaining({
            type: 'read',
            messages: [
              { messageId: 'm1', sequence: 1, recipientCount: 2 },
              { messageId: 'm3', sequence: 3, recipientCount: 2 },
            ],
          }),
        ],
        ['bob', expect.objectContaining({ messages: [expect.objectContaining({ sequence: 2 })] })],
      ]);
    });

    it("keeps a read's cursor, counts and device", () => {
      const { entries } = feedEntries([cursorMoved('ann', 4, 3)], new Map(), 100);
      expect(entries).toEqual([
        {
          userId: 'ann',
          position: 1,
          deviceId: 'phone',
          change: {
            type: 'read_sync',
            conversationId: 'c1',
            readUpToSequence: 4,
            unread: 3,
            totalUnread: 5,
          },
        },
      ]);
    });

    it('has nothing to say of a registration', () => {
      const deltas: ReceiptDelta[] = [
        { kind: 'message_registered', message: message(1, 'sam'), recipientIds: ['ann', 'bob'] },
      ];
      expect(feedEntries(deltas, new Map(), 100)).toEqual({ entries: [], heads: [], prune: [] });
      expect(feedUsers(deltas)).toEqual([]);
    });

    it('lets go of what lies more than the retention behind the new head', () => {
      const deltas = [delivered(1, 'sam'), delivered(2, 'sam'), delivered(3, 'bob')];
      expect(feedEntries(deltas, new Map([['sam', 3]]), 4).prune).toEqual([
        { userId: 'sam', head: 1 },
      ]);
    });
  });

  describe('feedGap', () => {
    const page = { head: 10, firstKept: 5 };

    it('serves a position from just before the first kept entry up to the head', () => {
      for (const after of [4, 5, 9, 10]) expect(feedGap(after, page)).toBeNull();
    });

    it('says a position is expired when entries right after it were let go', () => {
      expect(feedGap(3, page)).toBe('expired');
      expect(feedGap(0, page)).toBe('expired');
    });

    it('says a position past the head was never given', () => {
      expect(feedGap(11, page)).toBe('ahead');
    });

    it('serves an empty feed from 0, and a caught-up client whose entries were all let go', () => {
      expect(feedGap(0, { head: 0, firstKept: 1 })).toBeNull();
      expect(feedGap(10, { head: 10, firstKept: 11 })).toBeNull();
    });
  });
});
