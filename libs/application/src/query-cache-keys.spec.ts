import { staleGroups } from './query-cache-keys';

describe('staleGroups', () => {
  it('a new message makes its recipients unread answers stale, not the conversation summaries', () => {
    expect(
      staleGroups([
        {
          kind: 'message_registered',
          conversationId: 'c1',
          messageId: 'm1',
          sequence: 1,
          senderId: 'alice',
          sentAt: '2026-01-01T00:00:00.000Z',
          recipientIds: ['bob', 'carol'],
        },
      ]),
    ).toEqual(['u:bob', 'u:carol']);
  });

  it("a delivery makes the conversation's summaries stale", () => {
    expect(
      staleGroups([
        {
          kind: 'message_delivered',
          conversationId: 'c1',
          sequence: 1,
          userId: 'bob',
          deviceId: 'p',
          deliveredAt: 't',
        },
        {
          kind: 'message_delivered',
          conversationId: 'c1',
          sequence: 2,
          userId: 'bob',
          deviceId: 'p',
          deliveredAt: 't',
        },
      ]),
    ).toEqual(['c:c1']);
  });

  it("a read makes the conversation's summaries and the reader's unread stale, once however many it covers", () => {
    const read = (upTo: number) => ({
      kind: 'cursor_moved' as const,
      conversationId: 'c1',
      userId: 'bob',
      deviceId: 'p',
      readUpToSequence: upTo,
      receiptsShared: true,
      readAt: 't',
    });
    expect(staleGroups([read(5), read(500)])).toEqual(['c:c1', 'u:bob']);
  });
});
