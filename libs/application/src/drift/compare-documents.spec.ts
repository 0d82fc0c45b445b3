import { emptyDocuments } from '@receipts/read-store';
import { compareDocuments, patchFor } from './compare-documents';

const cursor = (userId: string, conversationId: string, unread: number) => ({
  userId,
  conversationId,
  readUpTo: 0,
  sharedReadUpTo: 0,
  unread,
  lastReadAt: null,
});

describe('compareDocuments', () => {
  it('pairs documents by key and names what is missing, extra, or differs by field', () => {
    const live = { ...emptyDocuments(), cursors: [cursor('a', 'c1', 1), cursor('b', 'c1', 5)] };
    const replayed = { ...emptyDocuments(), cursors: [cursor('b', 'c1', 2), cursor('c', 'c1', 0)] };
    expect(compareDocuments(live, replayed).map((d) => [d.kind, d.key, d.fields])).toEqual([
      ['extra', 'a/c1', []],
      ['differs', 'b/c1', ['unread']],
      ['missing', 'c/c1', []],
    ]);
  });

  it('finds the same drift when a side does not come in key order', () => {
    const live = { ...emptyDocuments(), cursors: [cursor('b', 'c1', 5), cursor('a', 'c1', 1)] };
    const replayed = { ...emptyDocuments(), cursors: [cursor('c', 'c1', 0), cursor('b', 'c1', 2)] };
    expect(compareDocuments(live, replayed).map((d) => `${d.kind} ${d.key}`)).toEqual([
      'extra a/c1',
      'differs b/c1',
      'missing c/c1',
    ]);
  });

  it('counts an unread total of 0 the same as no total, and orders sequences as numbers', () => {
    const message = (sequence: number) => ({
      conversationId: 'c1',
      messageId: `m${sequence}`,
      sequence,
      senderId: 'alice',
      sentAt: 't',
      recipientCount: 1,
    });
    const live = {
      ...emptyDocuments(),
      messages: [message(2), message(10)],
      totals: [{ userId: 'bob', total: 0 }],
    };
    const replayed = { ...emptyDocuments(), messages: [message(2), message(10)] };
    expect(compareDocuments(live, replayed)).toEqual([]);
  });

  it('repairs with the replayed documents and deletes the extra ones', () => {
    const live = { ...emptyDocuments(), cursors: [cursor('a', 'c1', 1), cursor('b', 'c1', 5)] };
    const replayed = { ...emptyDocuments(), cursors: [cursor('b', 'c1', 2)] };
    const patch = patchFor(compareDocuments(live, replayed));
    expect(patch.put.cursors).toEqual([cursor('b', 'c1', 2)]);
    expect(patch.remove.cursors).toEqual([cursor('a', 'c1', 1)]);
  });
});
