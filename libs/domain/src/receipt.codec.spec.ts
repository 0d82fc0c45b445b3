import { ZodError } from 'zod';
import {
  conversationRead,
  messageDelivered,
  messageSent,
  readReceiptsChanged,
} from '@receipts/testing';
import { decodeEvent, isDomainEventType } from './receipt.codec';
import { type DomainEvent, EVENT_SCHEMA_VERSION } from './receipt.events';

const decode = (event: DomainEvent, data: unknown = event.data): DomainEvent =>
  decodeEvent(event.type, EVENT_SCHEMA_VERSION, data);

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
      (type) =>
        expect(() => decodeEvent(type, EVENT_SCHEMA_VERSION, {})).toThrow(/Unknown event type/),
    );
  });

  describe('given another schema version', () => {
    it.each([0, EVENT_SCHEMA_VERSION + 1])('rejects version %d', (version) =>
      expect(() => decodeEvent('message_sent', version, messageSent().data)).toThrow(
        /Unsupported schema version/,
      ),
    );
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
