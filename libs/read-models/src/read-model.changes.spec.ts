import type { DomainEvent } from '@receipts/domain';
import {
  conversationRead,
  messageDelivered,
  messageSent,
  readReceiptsChanged,
} from '@receipts/testing';
import { PROJECTED_EVENT_TYPES, projectEvent } from './read-model.changes';

describe('projectEvent', () => {
  it('registers a sent message with its recipients', () =>
    expect(projectEvent(messageSent({ sequence: 3, recipientIds: ['bob'] }))).toEqual([
      {
        kind: 'message_registered',
        conversationId: 'c1',
        messageId: 'm3',
        sequence: 3,
        senderId: 'alice',
        sentAt: messageSent().data.sentAt,
        recipientIds: ['bob'],
      },
    ]));

  it('records a delivery of each message the ACK covers, by sequence, user and device', () =>
    expect(
      projectEvent(messageDelivered({ sequences: [2, 5], userId: 'carol', deviceId: 'tablet' })),
    ).toEqual(
      [2, 5].map((sequence) => ({
        kind: 'message_delivered',
        conversationId: 'c1',
        sequence,
        userId: 'carol',
        deviceId: 'tablet',
        deliveredAt: messageDelivered().data.deliveredAt,
      })),
    ));

  it.each([true, false])('moves the cursor keeping whether the read was shared (%s)', (shared) =>
    expect(
      projectEvent(
        conversationRead({
          deviceId: null,
          readUpToSequence: 5,
          previousReadUpToSequence: 2,
          receiptsShared: shared,
        }),
      ),
    ).toEqual([
      {
        kind: 'cursor_moved',
        conversationId: 'c1',
        userId: 'bob',
        deviceId: null,
        readUpToSequence: 5,
        receiptsShared: shared,
        readAt: conversationRead().data.readAt,
      },
    ]),
  );

  it('asks nothing of the read models when a user changes their settings', () =>
    expect(projectEvent(readReceiptsChanged())).toEqual([]));
});

describe('PROJECTED_EVENT_TYPES', () => {
  const oneOfEach: DomainEvent[] = [
    messageSent(),
    messageDelivered(),
    conversationRead(),
    readReceiptsChanged(),
  ];

  it('lists exactly the event types that change the read models', () =>
    expect(oneOfEach.filter((e) => projectEvent(e).length > 0).map((e) => e.type)).toEqual([
      ...PROJECTED_EVENT_TYPES,
    ]));
});
