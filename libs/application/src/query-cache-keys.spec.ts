import type { MessageDocument, ReceiptDelta } from '@receipts/read-models';
import { staleGroups } from './query-cache-keys';

const message = (sequence: number): MessageDocument => ({
  conversationId: 'c1',
  messageId: `m${sequence}`,
  sequence,
  senderId: 'alice',
  sentAt: '2026-01-01T00:00:00.000Z',
  recipientCount: 2,
});

describe('staleGroups', () => {
  it('a new message makes its recipients unread answers stale, not the conversation summaries', () => {
    expect(
      staleGroups([
        { kind: 'message_registered', message: message(1), recipientIds: ['bob', 'carol'] },
      ]),
    ).toEqual(['u:bob', 'u:carol']);
  });

  it("a delivery makes the conversation's summaries stale", () => {
    const delivered = (sequence: number): ReceiptDelta => ({
      kind: 'delivered',
      message: message(sequence),
      recipientId: 'bob',
      deliveredAt: 't',
    });
    expect(staleGroups([delivered(1), delivered(2)])).toEqual(['c:c1']);
  });

  it("a read makes the conversation's summaries and the reader's unread stale, once however many it covers", () => {
    const read = (upTo: number): ReceiptDelta[] => [
      {
        kind: 'read',
        conversationId: 'c1',
        readerId: 'bob',
        readUpToSequence: upTo,
        readAt: 't',
        messages: Array.from({ length: upTo }, (_, i) => message(i + 1)),
      },
      {
        kind: 'cursor_moved',
        deviceId: 'p',
        shared: true,
        cursor: {
          userId: 'bob',
          conversationId: 'c1',
          readUpTo: upTo,
          sharedReadUpTo: upTo,
          unread: 0,
          lastReadAt: 't',
        },
        totalUnread: 0,
      },
    ];
    expect(staleGroups([...read(5), ...read(500)])).toEqual(['c:c1', 'u:bob']);
  });

  it('a batch that changed nothing makes nothing stale', () => {
    expect(staleGroups([])).toEqual([]);
  });
});
