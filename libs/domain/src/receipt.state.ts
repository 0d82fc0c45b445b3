import type { ReceiptEvent } from './receipt.events';

/** One recipient's receipts in one conversation: a read cursor, and deliveries above it. */
export type ReceiptState = Readonly<{
  readUpTo: number;
  /** Sequences delivered but not yet covered by the read cursor (a read implies delivered). */
  deliveredAbove: ReadonlySet<number>;
}>;

export type RecipientStatus = 'sent' | 'delivered' | 'read';

export const initialReceiptState = (): ReceiptState => ({ readUpTo: 0, deliveredAbove: new Set() });

export const statusOf = (state: ReceiptState, sequence: number): RecipientStatus => {
  if (sequence <= state.readUpTo) return 'read';
  return state.deliveredAbove.has(sequence) ? 'delivered' : 'sent';
};

export const evolveReceipts = (state: ReceiptState, event: ReceiptEvent): ReceiptState => {
  switch (event.type) {
    case 'message_delivered': {
      if (statusOf(state, event.data.sequence) !== 'sent') return state;
      return { ...state, deliveredAbove: new Set(state.deliveredAbove).add(event.data.sequence) };
    }
    case 'conversation_read': {
      const readUpTo = Math.max(state.readUpTo, event.data.readUpToSequence);
      const deliveredAbove = new Set([...state.deliveredAbove].filter((s) => s > readUpTo));
      return { readUpTo, deliveredAbove };
    }
    default: {
      const unexpected: never = event;
      return unexpected;
    }
  }
};

export const foldReceipts = (state: ReceiptState, events: readonly ReceiptEvent[]): ReceiptState =>
  events.reduce(evolveReceipts, state);
