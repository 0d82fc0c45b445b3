import { ZodError } from 'zod';
import {
  conversationRead,
  messageDelivered,
  messageSent,
  readReceiptsChanged,
} from '@receipts/testing';
import { decodeEvent, isDomainEventType } from './receipt.codec';
import { type DomainEvent, schemaVersionOf } from './receipt.events';

const decode = (event: DomainEvent, data: unknown = event.data): DomainEvent =>
  decodeEvent(event.type, schemaVersionOf(event.type), data);

describe('decodeEvent', () => {
  describe('given a stored event of the current version', () => {
    it.each([
      messageSent(),
      messageDelivered(),
      conversationRead(),
      conversationRead({ deviceId: null, receiptsShared: false }),
      readReceiptsChanged(),
    ])('gives back the $type event that was stored', (event) =>
      expect(decode(event, JSON.parse(JSON.stringify(event.data)))).toEqual(event),
    );
  });

  describe('given a read recorded before the shared cursor was', () => {
    it('reads it as if the shared cursor stood where the cursor did', () => {
      const { previousSharedReadUpToSequence: _, ...older } = conversationRead({
        readUpToSequence: 5,
        previousReadUpToSequence: 3,
      }).data;
      expect(decode(conversationRead(), older)).toEqual(
        conversationRead({
          readUpToSequence: 5,
          previousReadUpToSequence: 3,
          previousSharedReadUpToSequence: 3,
        }),
      );
    });
  });

  describe('given an unknown event type', () => {
    it.each(['message_edited', 'MessageSent', '', 'constructor', 'toString', '__proto__'])(
      "rejects '%s'",
      (type) => expect(() => decodeEvent(type, 1, {})).toThrow(/Unknown event type/),
    );
  });

  describe('given a version it has no reading of', () => {
    it.each([
      ['message_sent', 0],
      ['message_sent', 2],
      ['message_delivered', 3],
      ['conversation_read', 2],
    ])('rejects %s version %d', (type, version) =>
      expect(() => decodeEvent(type, version, messageSent().data)).toThrow(
        /Unsupported schema version/,
      ),
    );
  });

  describe('given a delivery of version 1 (one event per message)', () => {
    const v1 = {
      conversationId: 'c1',
      messageId: 'm3',
      sequence: 3,
      senderId: 'alice',
      userId: 'bob',
      deviceId: 'phone',
      deliveredAt: messageDelivered().data.deliveredAt,
    };

    it('reads it as a delivery of that one message', () =>
      expect(decodeEvent('message_delivered', 1, v1)).toEqual(messageDelivered({ sequence: 3 })));

    it('checks its shape as version 1', () =>
      expect(() => decodeEvent('message_delivered', 1, { ...v1, sequence: 0 })).toThrow(ZodError));

    it('does not read a version 2 body as version 1', () =>
      expect(() => decodeEvent('message_delivered', 1, messageDelivered().data)).toThrow(ZodError));
  });

  describe('given data of the wrong shape', () => {
    it.each([
      ['a missing field', messageSent(), { ...messageSent().data, senderId: undefined }],
      ['sequence 0', messageSent(), { ...messageSent().data, sequence: 0 }],
      ['a fractional sequence', messageSent(), { ...messageSent().data, sequence: 1.5 }],
      ['a sequence as a string', messageSent(), { ...messageSent().data, sequence: '1' }],
      ['an id with a dot', messageSent(), { ...messageSent().data, messageId: 'm.1' }],
      [
        'recipients that are not a list',
        messageSent(),
        { ...messageSent().data, recipientIds: 'bob' },
      ],
      [
        'a time that is not ISO 8601',
        messageSent(),
        { ...messageSent().data, sentAt: 'yesterday' },
      ],
      [
        'a delivery without a device',
        messageDelivered(),
        { ...messageDelivered().data, deviceId: null },
      ],
      [
        'a delivery of no message',
        messageDelivered(),
        { ...messageDelivered().data, messages: [] },
      ],
      ['a read up to 0', conversationRead(), { ...conversationRead().data, readUpToSequence: 0 }],
      [
        'a negative previous cursor',
        conversationRead(),
        { ...conversationRead().data, previousReadUpToSequence: -1 },
      ],
      [
        'a flag that is not a boolean',
        readReceiptsChanged(),
        { ...readReceiptsChanged().data, enabled: 'no' },
      ],
      ['no object at all', messageSent(), null],
    ])('rejects %s', (_, event, data) => expect(() => decode(event, data)).toThrow(ZodError));
  });
});

describe('isDomainEventType', () => {
  it('knows the four stored event types', () =>
    expect(
      ['message_sent', 'message_delivered', 'conversation_read', 'read_receipts_changed'].every(
        isDomainEventType,
      ),
    ).toBe(true));

  it.each(['message_read', 'constructor', 'hasOwnProperty'])("does not know '%s'", (type) =>
    expect(isDomainEventType(type)).toBe(false),
  );
});
