import { messageSent } from '@receipts/testing';
import {
  emptyConversation,
  evolveConversation,
  findMessage,
  foldConversation,
  lastSequence,
  messageAt,
  messagesBetween,
} from './conversation.state';

const sequences = (messages: readonly { sequence: number }[]): number[] =>
  messages.map((m) => m.sequence);

describe('conversation state', () => {
  describe('given no messages', () => {
    const state = emptyConversation();

    it('has last sequence 0', () => expect(lastSequence(state)).toBe(0));

    it('finds nothing', () => {
      expect(findMessage(state, 'm1')).toBeUndefined();
      expect(messageAt(state, 1)).toBeUndefined();
      expect(messagesBetween(state, 0, 10)).toEqual([]);
    });
  });

  describe('given messages registered out of order', () => {
    const state = foldConversation(emptyConversation(), [
      messageSent({ sequence: 5 }),
      messageSent({ sequence: 2 }),
      messageSent({ sequence: 9 }),
      messageSent({ sequence: 1 }),
      messageSent({ sequence: 7 }),
    ]);

    it('keeps the messages sorted by sequence', () =>
      expect(sequences(state.messages)).toEqual([1, 2, 5, 7, 9]));

    it('has the highest sequence as its last one', () => expect(lastSequence(state)).toBe(9));

    it('finds a message by id and by sequence', () => {
      expect(findMessage(state, 'm7')?.sequence).toBe(7);
      expect(messageAt(state, 5)?.messageId).toBe('m5');
    });

    it('finds no message at a sequence in a gap', () => {
      expect(messageAt(state, 3)).toBeUndefined();
      expect(messageAt(state, 10)).toBeUndefined();
    });

    it('lists the messages above one sequence and up to another', () => {
      expect(sequences(messagesBetween(state, 2, 7))).toEqual([5, 7]);
      expect(sequences(messagesBetween(state, 3, 6))).toEqual([5]);
      expect(sequences(messagesBetween(state, 0, 9))).toEqual([1, 2, 5, 7, 9]);
    });

    it('lists nothing when the lower bound is at or above the upper one', () => {
      expect(messagesBetween(state, 7, 7)).toEqual([]);
      expect(messagesBetween(state, 9, 2)).toEqual([]);
    });
  });

  describe('when a message arrives', () => {
    it('makes its sender and its recipients members', () => {
      const state = evolveConversation(
        emptyConversation(),
        messageSent({ senderId: 'dave', recipientIds: ['erin'] }),
      );
      expect([...state.members].sort()).toEqual(['dave', 'erin']);
    });

    it('adds the members of every message', () => {
      const state = foldConversation(emptyConversation(), [
        messageSent({ sequence: 1, senderId: 'alice', recipientIds: ['bob'] }),
        messageSent({ sequence: 2, senderId: 'carol', recipientIds: ['alice'] }),
      ]);
      expect([...state.members].sort()).toEqual(['alice', 'bob', 'carol']);
    });

    it('does not modify the state it is given', () => {
      const before = evolveConversation(emptyConversation(), messageSent({ sequence: 3 }));
      foldConversation(before, [messageSent({ sequence: 1, recipientIds: ['zoe'] })]);
      expect(sequences(before.messages)).toEqual([3]);
      expect(findMessage(before, 'm1')).toBeUndefined();
      expect(before.members.has('zoe')).toBe(false);
    });
  });
});
