import { messageSent } from '@receipts/testing';
import {
  approximateBytes,
  emptyConversation,
  evolveConversation,
  findMessage,
  foldConversation,
  isMember,
  lastSequence,
  memberCount,
  messageAt,
  messageCount,
  messagesBetween,
  messagesOf,
  membersOf,
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
      expect(sequences(messagesOf(state))).toEqual([1, 2, 5, 7, 9]));

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
      expect(membersOf(state).sort()).toEqual(['dave', 'erin']);
    });

    it('adds the members of every message', () => {
      const state = foldConversation(emptyConversation(), [
        messageSent({ sequence: 1, senderId: 'alice', recipientIds: ['bob'] }),
        messageSent({ sequence: 2, senderId: 'carol', recipientIds: ['alice'] }),
      ]);
      expect(membersOf(state).sort()).toEqual(['alice', 'bob', 'carol']);
      expect(memberCount(state)).toBe(3);
    });

    it('does not modify the state it is given', () => {
      const before = evolveConversation(emptyConversation(), messageSent({ sequence: 3 }));
      foldConversation(before, [messageSent({ sequence: 1, recipientIds: ['zoe'] })]);
      expect(sequences(messagesOf(before))).toEqual([3]);
      expect(findMessage(before, 'm1')).toBeUndefined();
      expect(isMember(before, 'zoe')).toBe(false);
    });
  });

  describe('when states share the messages they were folded from', () => {
    const first = foldConversation(emptyConversation(), [
      messageSent({ sequence: 1, senderId: 'alice', recipientIds: ['bob'] }),
    ]);
    const second = evolveConversation(
      first,
      messageSent({ sequence: 2, senderId: 'alice', recipientIds: ['bob', 'zoe'] }),
    );

    it('an older state does not see the messages or members added after it', () => {
      expect(messageCount(first)).toBe(1);
      expect(lastSequence(first)).toBe(1);
      expect(findMessage(first, 'm2')).toBeUndefined();
      expect(messageAt(first, 2)).toBeUndefined();
      expect(sequences(messagesBetween(first, 0, 10))).toEqual([1]);
      expect(isMember(first, 'zoe')).toBe(false);
      expect(memberCount(first)).toBe(2);
    });

    it('folding an older state again leaves the newer one as it was', () => {
      const other = evolveConversation(
        first,
        messageSent({ sequence: 3, senderId: 'bob', recipientIds: ['yann'] }),
      );
      expect(sequences(messagesOf(other))).toEqual([1, 3]);
      expect(isMember(other, 'yann')).toBe(true);
      expect(isMember(other, 'zoe')).toBe(false);
      expect(sequences(messagesOf(second))).toEqual([1, 2]);
      expect(isMember(second, 'yann')).toBe(false);
      expect(findMessage(second, 'm3')).toBeUndefined();
    });

    it('folding the newest state again leaves the older ones as they were', () => {
      const third = evolveConversation(second, messageSent({ sequence: 4, recipientIds: ['x'] }));
      expect(sequences(messagesOf(third))).toEqual([1, 2, 4]);
      expect(sequences(messagesOf(second))).toEqual([1, 2]);
      expect(isMember(second, 'x')).toBe(false);
    });

    it('a member who joined through a message registered out of order is one from then on', () => {
      const later = foldConversation(emptyConversation(), [
        messageSent({ sequence: 5, senderId: 'alice', recipientIds: ['bob'] }),
      ]);
      const earlier = evolveConversation(
        later,
        messageSent({ sequence: 3, senderId: 'carol', recipientIds: ['alice'] }),
      );
      expect(sequences(messagesOf(earlier))).toEqual([3, 5]);
      expect(isMember(earlier, 'carol')).toBe(true);
      expect(findMessage(earlier, 'm5')?.sequence).toBe(5);
      expect(isMember(later, 'carol')).toBe(false);
    });
  });

  describe('its size estimate', () => {
    it('counts a recipient list a sender keeps using once', () => {
      const group = ['b', 'c', 'd', 'e'];
      const one = foldConversation(emptyConversation(), [
        messageSent({ sequence: 1, senderId: 'a', recipientIds: group }),
      ]);
      const two = evolveConversation(
        one,
        messageSent({ sequence: 2, senderId: 'a', recipientIds: [...group] }),
      );
      const changed = evolveConversation(
        two,
        messageSent({ sequence: 3, senderId: 'a', recipientIds: ['b'] }),
      );
      const perMessage = approximateBytes(two) - approximateBytes(one);
      expect(approximateBytes(changed) - approximateBytes(two)).toBe(perMessage + 8);
      expect(findMessage(two, 'm2')?.recipientIds).toEqual(group);
    });
  });
});
