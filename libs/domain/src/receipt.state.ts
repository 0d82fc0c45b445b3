import type { ReceiptEvent } from './receipt.events';

/** One recipient's receipts in one conversation: a read cursor, and deliveries above it. */
export type ReceiptState = Readonly<{
  readUpTo: number;
  /** The part of the cursor senders were shown: it moves only with reads made with receipts on. */
  sharedReadUpTo: number;
  /** Sequences delivered but not yet covered by the read cursor (a read implies delivered). */
  deliveredAbove: ReadonlySet<number>;
}>;

export type RecipientStatus = 'sent' | 'delivered' | 'read';

export const initialReceiptState = (): ReceiptState => ({
  readUpTo: 0,
  sharedReadUpTo: 0,
  deliveredAbove: new Set(),
});

export const statusOf = (state: ReceiptState, sequence: number): RecipientStatus => {
  if (sequence <= state.readUpTo) return 'read';
  return state.deliveredAbove.has(sequence) ? 'delivered' : 'sent';
};

export const evolveReceipts = (state: ReceiptState, event: ReceiptEvent): ReceiptState => {
  switch (event.type) {
    case 'message_delivered': {
      const deliveredAbove = new Set(state.deliveredAbove);
      for (const { sequence } of event.data.messages) {
        if (sequence > state.readUpTo) deliveredAbove.add(sequence);
      }
      return { ...state, deliveredAbove };
    }
    case 'conversation_read': {
      const readUpTo = Math.max(state.readUpTo, event.data.readUpToSequence);
      const sharedReadUpTo = event.data.receiptsShared
        ? Math.max(state.sharedReadUpTo, event.data.readUpToSequence)
        : state.sharedReadUpTo;
      const deliveredAbove = new Set([...state.deliveredAbove].filter((s) => s > readUpTo));
      return { readUpTo, sharedReadUpTo, deliveredAbove };
    }
    default: {
      const unexpected: never = event;
      return unexpected;
    }
  }
};

export const foldReceipts = (state: ReceiptState, events: readonly ReceiptEvent[]): ReceiptState =>
  events.reduce(evolveReceipts, state);
