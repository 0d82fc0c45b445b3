import type { MessageSummaryPayload } from '@receipts/contracts';
import { ReceiptState } from './receipt-state';

const summary = (
  counts: Partial<MessageSummaryPayload> & Pick<MessageSummaryPayload, 'messageId' | 'sequence'>,
): MessageSummaryPayload => ({
  totalRecipients: 5,
  deliveredCount: 0,
  readCount: 0,
  status: 'sent',
  ...counts,
});

describe('the local receipt state', () => {
  it('shows a tracked message as sent, then its 1:1 delivered and read ticks from pushes', () => {
    const state = new ReceiptState();
    state.track('c1', 'm1', 1, 1);
    expect(state.message('c1', 'm1')).toMatchObject({ status: 'sent', deliveredCount: 0 });
    state.apply({
      type: 'delivered',
      position: 1,
      conversationId: 'c1',
      messageId: 'm1',
      sequence: 1,
      recipientId: 'bob',
      deliveredAt: '2026-01-01T10:00:01Z',
    });
    expect(state.message('c1', 'm1')).toMatchObject({ status: 'delivered', deliveredCount: 1 });
    state.apply({
      type: 'read',
      position: 1,
      conversationId: 'c1',
      readerId: 'bob',
      readUpToSequence: 1,
      readAt: '2026-01-01T10:00:02Z',
      messages: [{ messageId: 'm1', sequence: 1 }],
    });
    expect(state.message('c1', 'm1')).toEqual({
      conversationId: 'c1',
      messageId: 'm1',
      sequence: 1,
      totalRecipients: 1,
      deliveredCount: 1,
      readCount: 1,
      status: 'read',
      members: [
        {
          userId: 'bob',
          status: 'read',
          deliveredAt: '2026-01-01T10:00:01Z',
          readAt: '2026-01-01T10:00:02Z',
        },
      ],
    });
  });

  it('counts a group from its summaries: "read by 3 of 5"', () => {
    const state = new ReceiptState();
    state.apply({
      type: 'read',
      position: 1,
      conversationId: 'g',
      readerId: 'carol',
      readUpToSequence: 4,
      readAt: '2026-01-01T10:00:02Z',
      messages: [
        {
          messageId: 'm4',
          sequence: 4,
          summary: summary({ messageId: 'm4', sequence: 4, deliveredCount: 4, readCount: 3 }),
        },
      ],
    });
    expect(state.message('g', 'm4')).toMatchObject({
      totalRecipients: 5,
      deliveredCount: 4,
      readCount: 3,
      status: 'sent',
    });
  });

  it('never goes back: a late push after a fresher snapshot changes nothing', () => {
    const state = new ReceiptState();
    state.applyReceipts({
      message: { conversationId: 'g', messageId: 'm1', sequence: 1 },
      summary: summary({
        messageId: 'm1',
        sequence: 1,
        deliveredCount: 5,
        readCount: 5,
        status: 'read',
      }),
      recipients: [
        {
          userId: 'carol',
          status: 'read',
          deliveredAt: '2026-01-01T10:00:01Z',
          readAt: '2026-01-01T10:00:03Z',
        },
      ],
    });
    state.apply({
      type: 'delivered',
      position: 1,
      conversationId: 'g',
      messageId: 'm1',
      sequence: 1,
      recipientId: 'carol',
      deliveredAt: '2026-01-01T10:00:01Z',
      summary: summary({ messageId: 'm1', sequence: 1, deliveredCount: 2 }),
    });
    expect(state.message('g', 'm1')).toMatchObject({
      deliveredCount: 5,
      readCount: 5,
      status: 'read',
      members: [{ userId: 'carol', status: 'read', readAt: '2026-01-01T10:00:03Z' }],
    });
  });

  it('keeps the badges the server said last: read sync, then a snapshot', () => {
    const state = new ReceiptState();
    state.apply({
      type: 'read_sync',
      position: 1,
      conversationId: 'c1',
      readUpToSequence: 3,
      unread: 2,
      totalUnread: 7,
    });
    expect([state.unread('c1'), state.totalUnread]).toEqual([2, 7]);
    state.applyUnread({
      totalUnread: 5,
      conversations: [{ conversationId: 'c2', unread: 5, readUpTo: 0, lastReadAt: null }],
    });
    expect(state.conversations()).toEqual([
      { conversationId: 'c1', unread: 0 },
      { conversationId: 'c2', unread: 5 },
    ]);
    expect(state.totalUnread).toBe(5);
  });
});
