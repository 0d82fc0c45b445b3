import type { MessageReceipts } from './receipt-queries.service';
import { recipientsPage } from './recipients-page';

const receipts: MessageReceipts = {
  message: {
    conversationId: 'c1',
    messageId: 'm1',
    sequence: 1,
    senderId: 'sam',
    sentAt: 't',
    recipientCount: 5,
  },
  summary: {
    messageId: 'm1',
    sequence: 1,
    totalRecipients: 5,
    deliveredCount: 1,
    readCount: 0,
    status: 'sent',
  },
  recipients: ['ann', 'bob', 'cid', 'dan', 'eve'].map((userId) => ({ userId, status: 'sent' })),
};
const ids = (page: { recipients: readonly { userId: string }[] }) =>
  page.recipients.map((r) => r.userId);

describe('recipientsPage', () => {
  it('pages through the recipients in user id order, with where to go on from', () => {
    const first = recipientsPage(receipts, undefined, 2);
    expect([ids(first), first.next]).toEqual([['ann', 'bob'], 'bob']);
    const second = recipientsPage(receipts, 'bob', 2);
    expect([ids(second), second.next]).toEqual([['cid', 'dan'], 'dan']);
    const last = recipientsPage(receipts, 'dan', 2);
    expect([ids(last), last.next]).toEqual([['eve'], null]);
  });

  it('keeps the whole message and summary on every page', () => {
    const page = recipientsPage(receipts, 'bob', 1);
    expect(page.summary).toEqual(receipts.summary);
    expect(page.message).toEqual(receipts.message);
  });

  it('starts after any id, listed or not', () => {
    expect(ids(recipientsPage(receipts, 'b', 10))).toEqual(['bob', 'cid', 'dan', 'eve']);
    expect(recipientsPage(receipts, 'zed', 10)).toMatchObject({ recipients: [], next: null });
  });
});
