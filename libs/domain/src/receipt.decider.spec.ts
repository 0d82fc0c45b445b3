import {
  DeciderSpecification,
  acknowledgeDelivery,
  acknowledgeDeliveryUpTo,
  conversationRead,
  later,
  markConversationRead,
  messageDelivered,
  messageSent,
  readReceiptsChanged,
} from '@receipts/testing';
import { emptyConversation, evolveConversation } from './conversation.state';
import { type ReceiptContext, decideReceipt } from './receipt.decider';
import { ReceiptError } from './receipt.errors';
import type { DomainEvent } from './receipt.events';
import { evolveReceipts, foldReceipts, initialReceiptState, statusOf } from './receipt.state';
import { defaultUserSettings, evolveUserSettings } from './user.decider';

/** The history a receipt command handler loads: the conversation, bob's receipts and bob's settings. */
const evolve = (context: ReceiptContext, event: DomainEvent): ReceiptContext => {
  switch (event.type) {
    case 'message_sent':
      return { ...context, conversation: evolveConversation(context.conversation, event) };
    case 'message_delivered':
    case 'conversation_read':
      return { ...context, receipts: evolveReceipts(context.receipts, event) };
    case 'read_receipts_changed':
      return { ...context, ...evolveUserSettings(defaultUserSettings(), event) };
    default: {
      const unexpected: never = event;
      return unexpected;
    }
  }
};

const initialState = (): ReceiptContext => ({
  conversation: emptyConversation(),
  receipts: initialReceiptState(),
  readReceiptsEnabled: defaultUserSettings().readReceiptsEnabled,
});

const spec = DeciderSpecification.for({ decide: decideReceipt, evolve, initialState });

const sentToBob = [
  messageSent({ sequence: 1 }),
  messageSent({ sequence: 2 }),
  messageSent({ sequence: 3, recipientIds: ['carol'] }),
];

describe('decideReceipt', () => {
  describe('given a conversation without messages', () => {
    it('answers a batch delivery ACK with the retryable NOT_YET_REGISTERED', () =>
      spec.given([]).when(acknowledgeDelivery()).thenThrows('NOT_YET_REGISTERED'));

    it('answers a cumulative delivery ACK with NOT_YET_REGISTERED', () =>
      spec.given([]).when(acknowledgeDeliveryUpTo()).thenThrows('NOT_YET_REGISTERED'));

    it('answers a read with NOT_YET_REGISTERED', () =>
      spec.given([]).when(markConversationRead()).thenThrows('NOT_YET_REGISTERED'));
  });

  describe('given messages sent to bob and not yet delivered', () => {
    describe('when bob ACKs a batch of message ids', () => {
      it('records one delivery event for the whole ACK, its messages in sequence order', () =>
        spec
          .given(sentToBob)
          .when(acknowledgeDelivery({ messageIds: ['m2', 'm1'] }))
          .then([messageDelivered({ sequences: [1, 2] })]));

      it('stamps the delivery with the time the command carries', () =>
        spec
          .given(sentToBob)
          .when({ ...acknowledgeDelivery(), metadata: { now: later } })
          .then([messageDelivered({ sequence: 1, deliveredAt: later })]));

      it('records a message id repeated within the batch once', () =>
        spec
          .given(sentToBob)
          .when(acknowledgeDelivery({ messageIds: ['m1', 'm1'] }))
          .then([messageDelivered({ sequence: 1 })]));

      it('throws NOT_YET_REGISTERED and decides nothing when one id is unknown', () =>
        spec
          .given(sentToBob)
          .when(acknowledgeDelivery({ messageIds: ['m1', 'nope'] }))
          .thenThrows('NOT_YET_REGISTERED', { unknown: ['nope'] }));

      it('throws NOT_A_RECIPIENT when a message in the batch was not sent to bob', () =>
        spec
          .given(sentToBob)
          .when(acknowledgeDelivery({ messageIds: ['m1', 'm3'] }))
          .thenThrows('NOT_A_RECIPIENT', { messageIds: ['m3'] }));

      it('throws NOT_A_RECIPIENT when the sender ACKs their own message', () =>
        spec
          .given(sentToBob)
          .when(acknowledgeDelivery({ userId: 'alice', messageIds: ['m1'] }))
          .thenThrows('NOT_A_RECIPIENT'));

      it('answers someone outside the conversation as if it did not exist (NOT_YET_REGISTERED)', () =>
        spec
          .given(sentToBob)
          .when(acknowledgeDelivery({ userId: 'mallory', messageIds: ['m1'] }))
          .thenThrows('NOT_YET_REGISTERED'));
    });

    describe('when bob ACKs everything up to a sequence', () => {
      it('records deliveries only for the messages addressed to bob', () =>
        spec
          .given(sentToBob)
          .when(acknowledgeDeliveryUpTo({ upToSequence: 3 }))
          .then([messageDelivered({ sequences: [1, 2] })]));

      it('stops at the given sequence', () =>
        spec
          .given(sentToBob)
          .when(acknowledgeDeliveryUpTo({ upToSequence: 1 }))
          .then([messageDelivered({ sequence: 1 })]));

      it('throws NOT_YET_REGISTERED for a user outside the conversation', () =>
        spec
          .given(sentToBob)
          .when(acknowledgeDeliveryUpTo({ userId: 'mallory', upToSequence: 1 }))
          .thenThrows('NOT_YET_REGISTERED'));

      it('throws NOT_YET_REGISTERED beyond the last registered message', () =>
        spec
          .given(sentToBob)
          .when(acknowledgeDeliveryUpTo({ upToSequence: 4 }))
          .thenThrows('NOT_YET_REGISTERED', { upToSequence: 4, lastSequence: 3 }));
    });

    describe('when bob reads', () => {
      it('moves the cursor from zero and shares the read', () =>
        spec
          .given(sentToBob)
          .when(markConversationRead({ upToSequence: 2 }))
          .then([conversationRead({ readUpToSequence: 2, previousReadUpToSequence: 0 })]));

      it('stamps the read with the time the command carries', () =>
        spec
          .given(sentToBob)
          .when({ ...markConversationRead(), metadata: { now: later } })
          .then([conversationRead({ readAt: later })]));

      it('moves the cursor without a device when bob sent a message himself', () =>
        spec
          .given(sentToBob)
          .when(markConversationRead({ deviceId: null, upToSequence: 3 }))
          .then([conversationRead({ deviceId: null, readUpToSequence: 3 })]));

      it('throws NOT_YET_REGISTERED for a user outside the conversation', () =>
        spec
          .given(sentToBob)
          .when(markConversationRead({ userId: 'mallory' }))
          .thenThrows('NOT_YET_REGISTERED'));

      it('throws NOT_YET_REGISTERED beyond the last registered message', () =>
        spec
          .given(sentToBob)
          .when(markConversationRead({ upToSequence: 4 }))
          .thenThrows('NOT_YET_REGISTERED', { upToSequence: 4, lastSequence: 3 }));
    });
  });

  describe('given messages registered out of order', () => {
    it('decides cumulative deliveries in sequence order', () =>
      spec
        .given([messageSent({ sequence: 2 }), messageSent({ sequence: 1 })])
        .when(acknowledgeDeliveryUpTo({ upToSequence: 2 }))
        .then([messageDelivered({ sequences: [1, 2] })]));
  });

  describe('given a message already delivered to bob', () => {
    const history = [...sentToBob, messageDelivered({ sequence: 1 })];

    it('decides nothing for a duplicate ACK of it', () =>
      spec
        .given(history)
        .when(acknowledgeDelivery({ messageIds: ['m1'] }))
        .thenNothingHappens());

    it('decides nothing when another device ACKs it', () =>
      spec
        .given(history)
        .when(acknowledgeDelivery({ deviceId: 'laptop', messageIds: ['m1'] }))
        .thenNothingHappens());

    it('records only the new message of a batch that repeats it', () =>
      spec
        .given(history)
        .when(acknowledgeDelivery({ messageIds: ['m1', 'm2'] }))
        .then([messageDelivered({ sequence: 2 })]));

    it('leaves it out of a cumulative ACK', () =>
      spec
        .given(history)
        .when(acknowledgeDeliveryUpTo({ upToSequence: 2 }))
        .then([messageDelivered({ sequence: 2 })]));

    it('still lets bob read it', () =>
      spec
        .given(history)
        .when(markConversationRead({ upToSequence: 1 }))
        .then([conversationRead({ readUpToSequence: 1 })]));
  });

  describe('given bob read up to sequence 2', () => {
    const history = [
      ...sentToBob,
      messageSent({ sequence: 4 }),
      messageSent({ sequence: 5 }),
      conversationRead({ readUpToSequence: 2 }),
    ];

    it('decides nothing for a delivery ACK of a message already read', () =>
      spec
        .given(history)
        .when(acknowledgeDelivery({ messageIds: ['m1'] }))
        .thenNothingHappens());

    it('decides nothing for a cumulative delivery ACK arriving after the read', () =>
      spec
        .given(history)
        .when(acknowledgeDeliveryUpTo({ upToSequence: 2 }))
        .thenNothingHappens());

    it('decides nothing for an attempt to move the cursor backwards', () =>
      spec
        .given(history)
        .when(markConversationRead({ upToSequence: 1 }))
        .thenNothingHappens());

    it('decides nothing for a read up to the same sequence from another device', () =>
      spec
        .given(history)
        .when(markConversationRead({ deviceId: 'laptop', upToSequence: 2 }))
        .thenNothingHappens());

    it('records the previous cursor when the cursor moves forward', () =>
      spec
        .given(history)
        .when(markConversationRead({ upToSequence: 4 }))
        .then([
          conversationRead({
            readUpToSequence: 4,
            previousReadUpToSequence: 2,
            previousSharedReadUpToSequence: 2,
          }),
        ]));

    it('covers only messages to bob above the cursor and not yet delivered in a cumulative ACK', () =>
      spec
        .given([...history, messageDelivered({ sequence: 4 })])
        .when(acknowledgeDeliveryUpTo({ upToSequence: 5 }))
        .then([messageDelivered({ sequence: 5 })]));
  });

  describe('given bob turned read receipts off', () => {
    const history = [...sentToBob, readReceiptsChanged({ enabled: false })];

    it('records his read as not shared', () =>
      spec
        .given(history)
        .when(markConversationRead({ upToSequence: 2 }))
        .then([conversationRead({ readUpToSequence: 2, receiptsShared: false })]));

    it('still records deliveries', () =>
      spec
        .given(history)
        .when(acknowledgeDelivery({ messageIds: ['m1'] }))
        .then([messageDelivered({ sequence: 1 })]));
  });

  describe('given bob read with read receipts off, then turned them on again', () => {
    it('records where the cursor senders were shown stood, so the shared read covers the hidden one', () =>
      spec
        .given([
          ...sentToBob,
          readReceiptsChanged({ enabled: false }),
          conversationRead({ readUpToSequence: 1, receiptsShared: false }),
          readReceiptsChanged({ enabled: true, changedAt: later }),
        ])
        .when(markConversationRead({ upToSequence: 2 }))
        .then([
          conversationRead({
            readUpToSequence: 2,
            previousReadUpToSequence: 1,
            previousSharedReadUpToSequence: 0,
            receiptsShared: true,
          }),
        ]));
  });

  describe('given bob turned read receipts off and on again', () => {
    it('shares his read again', () =>
      spec
        .given([
          ...sentToBob,
          readReceiptsChanged({ enabled: false }),
          readReceiptsChanged({ enabled: true, changedAt: later }),
        ])
        .when(markConversationRead({ upToSequence: 2 }))
        .then([conversationRead({ readUpToSequence: 2, receiptsShared: true })]));
  });
});

describe('an ACK from outside the conversation', () => {
  const refusal = (history: readonly DomainEvent[]): ReceiptError => {
    const context = history.reduce(evolve, initialState());
    try {
      decideReceipt(markConversationRead({ userId: 'mallory' }), context);
    } catch (error) {
      return error as ReceiptError;
    }
    throw new Error('expected a refusal');
  };

  it('gets exactly the answer an ACK for a conversation that does not exist gets', () => {
    const outsider = refusal(sentToBob);
    const nowhere = refusal([]);
    expect(outsider).toBeInstanceOf(ReceiptError);
    expect([outsider.code, outsider.message, outsider.details]).toEqual([
      nowhere.code,
      nowhere.message,
      nowhere.details,
    ]);
  });
});

describe('evolveReceipts', () => {
  const delivered = (sequence: number) => messageDelivered({ sequence });
  const read = (readUpToSequence: number) => conversationRead({ readUpToSequence });

  it('moves a message from sent to delivered', () => {
    const state = foldReceipts(initialReceiptState(), [delivered(3)]);
    expect([statusOf(state, 3), statusOf(state, 4)]).toEqual(['delivered', 'sent']);
  });

  it('makes a read imply delivered, even without a delivery', () => {
    const state = foldReceipts(initialReceiptState(), [read(2)]);
    expect([statusOf(state, 1), statusOf(state, 2), statusOf(state, 3)]).toEqual([
      'read',
      'read',
      'sent',
    ]);
  });

  it('forgets deliveries once the cursor covers them, keeping those above it', () => {
    const state = foldReceipts(initialReceiptState(), [delivered(1), delivered(4), read(2)]);
    expect(state).toEqual({ readUpTo: 2, sharedReadUpTo: 2, deliveredAbove: new Set([4]) });
  });

  it('keeps a read message read when a late delivery is replayed', () => {
    const state = foldReceipts(initialReceiptState(), [read(2), delivered(2)]);
    expect(state).toEqual({ readUpTo: 2, sharedReadUpTo: 2, deliveredAbove: new Set() });
  });

  it('moves the shared cursor only with reads made with receipts on', () => {
    const hidden = conversationRead({ readUpToSequence: 5, receiptsShared: false });
    const state = foldReceipts(initialReceiptState(), [read(2), hidden]);
    expect([state.readUpTo, state.sharedReadUpTo]).toEqual([5, 2]);
  });

  it('never moves the cursor backwards on a stale read', () => {
    const state = foldReceipts(initialReceiptState(), [read(5), read(3)]);
    expect(statusOf(state, 5)).toBe('read');
  });

  it('does not modify the state it is given', () => {
    const before = foldReceipts(initialReceiptState(), [delivered(1)]);
    foldReceipts(before, [delivered(2), read(3)]);
    expect(before).toEqual({ readUpTo: 0, sharedReadUpTo: 0, deliveredAbove: new Set([1]) });
  });
});
