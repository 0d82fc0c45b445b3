import {
  type ReceiptEvent,
  ReceiptError,
  foldReceipts,
  initialReceiptState,
} from '@receipts/domain';
import { conversationRead, messageDelivered } from '@receipts/testing';
import { type Decision, decideInOrder } from './decide-in-order';

const command = (decide: Decision<ReturnType<typeof initialReceiptState>, ReceiptEvent>) => ({
  decide,
  causation: {},
});

describe('decideInOrder', () => {
  it('decides each command on the state the ones before it leave', () => {
    const readTo = (upTo: number) =>
      command((state) =>
        upTo <= state.readUpTo ? [] : [conversationRead({ readUpToSequence: upTo })],
      );
    const batch = decideInOrder(
      initialReceiptState(),
      [readTo(3), readTo(2), readTo(5)],
      foldReceipts,
    );
    expect(batch.decided).toEqual([
      { status: 'fulfilled', value: [conversationRead({ readUpToSequence: 3 })] },
      { status: 'fulfilled', value: [] },
      { status: 'fulfilled', value: [conversationRead({ readUpToSequence: 5 })] },
    ]);
    expect(batch.toAppend).toHaveLength(2);
  });

  it('keeps a refusal to its own command', () => {
    const refused = new ReceiptError('NOT_YET_REGISTERED', 'not yet');
    const batch = decideInOrder(
      initialReceiptState(),
      [
        command(() => {
          throw refused;
        }),
        command(() => [messageDelivered({ sequence: 1 })]),
      ],
      foldReceipts,
    );
    expect(batch.decided).toEqual([
      { status: 'rejected', reason: refused },
      { status: 'fulfilled', value: [messageDelivered({ sequence: 1 })] },
    ]);
    expect(batch.events).toEqual([messageDelivered({ sequence: 1 })]);
  });

  it('stops before a command whose event repeats an event id of the batch', () => {
    const same = command(() => [messageDelivered({ sequence: 1 })]);
    const batch = decideInOrder(initialReceiptState(), [same, same, same], foldReceipts);
    expect(batch.decided).toHaveLength(1);
    expect(batch.toAppend).toHaveLength(1);
  });
});
