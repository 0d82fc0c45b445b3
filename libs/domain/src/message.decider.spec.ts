import { DeciderSpecification, messageSent, registerMessage } from '@receipts/testing';
import { emptyConversation, evolveConversation } from './conversation.state';
import { decideRegistration } from './message.decider';

const spec = DeciderSpecification.for({
  decide: decideRegistration,
  evolve: evolveConversation,
  initialState: emptyConversation,
});

describe('decideRegistration', () => {
  describe('given an empty conversation', () => {
    it('records the message as sent', () =>
      spec.given([]).when(registerMessage()).then([messageSent()]));

    it('accepts a first message whose sequence is not 1', () =>
      spec
        .given([])
        .when(registerMessage({ sequence: 7 }))
        .then([messageSent({ sequence: 7 })]));

    it('rejects a sender among the recipients as VALIDATION_FAILED', () =>
      spec
        .given([])
        .when(registerMessage({ recipientIds: ['bob', 'alice'] }))
        .thenThrows('VALIDATION_FAILED'));

    it('rejects a recipient listed twice as VALIDATION_FAILED', () =>
      spec
        .given([])
        .when(registerMessage({ recipientIds: ['bob', 'bob'] }))
        .thenThrows('VALIDATION_FAILED'));

    it('rejects a message without recipients as VALIDATION_FAILED', () =>
      spec
        .given([])
        .when(registerMessage({ recipientIds: [] }))
        .thenThrows('VALIDATION_FAILED'));
  });

  describe('given message m1 registered with sequence 1', () => {
    const history = [messageSent({ sequence: 1 })];

    it('decides nothing when the same message is registered again', () =>
      spec
        .given(history)
        .when(registerMessage({ sequence: 1 }))
        .thenNothingHappens());

    it('decides nothing when only the order of the recipients differs', () =>
      spec
        .given(history)
        .when(registerMessage({ recipientIds: ['carol', 'bob'] }))
        .thenNothingHappens());

    it('decides nothing when the same instant is written with another offset', () =>
      spec
        .given(history)
        .when(registerMessage({ sentAt: '2024-05-01T14:00:00+02:00' }))
        .thenNothingHappens());

    it.each([
      ['another sequence', { sequence: 2 }],
      ['another sender', { senderId: 'dave' }],
      ['another conversation', { conversationId: 'c2' }],
      ['another send time', { sentAt: '2024-05-01T12:00:01.000Z' }],
      ['another recipient', { recipientIds: ['bob', 'dave'] }],
      ['one more recipient', { recipientIds: ['bob', 'carol', 'dave'] }],
      ['one recipient fewer', { recipientIds: ['bob'] }],
    ])('throws MESSAGE_CONFLICT for the same id with %s', (_, overrides) =>
      spec
        .given(history)
        .when(registerMessage({ messageId: 'm1', ...overrides }))
        .thenThrows('MESSAGE_CONFLICT', { messageId: 'm1' }),
    );

    it('throws SEQUENCE_CONFLICT for another id with the same sequence', () =>
      spec
        .given(history)
        .when(registerMessage({ messageId: 'other', sequence: 1 }))
        .thenThrows('SEQUENCE_CONFLICT', { sequence: 1 }));

    it('records the next message', () =>
      spec
        .given(history)
        .when(registerMessage({ sequence: 2 }))
        .then([messageSent({ sequence: 2 })]));
  });

  describe('given messages 1 and 3', () => {
    const history = [messageSent({ sequence: 1 }), messageSent({ sequence: 3 })];

    it('records a late message that fills the gap', () =>
      spec
        .given(history)
        .when(registerMessage({ sequence: 2 }))
        .then([messageSent({ sequence: 2 })]));

    it('throws SEQUENCE_CONFLICT for a new id reusing the highest sequence', () =>
      spec
        .given(history)
        .when(registerMessage({ messageId: 'other', sequence: 3 }))
        .thenThrows('SEQUENCE_CONFLICT', { sequence: 3 }));
  });
});
