import { later, now } from '@receipts/testing';
import { emptyCursor, messageArrived, moveCursor } from './read-cursors.read-model';

/** bob's messages in the conversation, so that unread counts come from a fact, not a guess. */
const bobsMessages = [1, 2, 4, 6];
const unreadAbove = (sequence: number): number => bobsMessages.filter((s) => s > sequence).length;

const move = (readUpToSequence: number, receiptsShared = true, readAt = now) => ({
  readUpToSequence,
  receiptsShared,
  readAt,
});

describe('read cursor', () => {
  describe('given a cursor nobody moved', () => {
    const cursor = { ...emptyCursor('bob', 'c1'), unread: 4 };

    it('starts at zero with no read time', () =>
      expect(emptyCursor('bob', 'c1')).toEqual({
        userId: 'bob',
        conversationId: 'c1',
        readUpTo: 0,
        sharedReadUpTo: 0,
        unread: 0,
        lastReadAt: null,
      }));

    it('moves forward on a shared read and recounts what is unread above it', () =>
      expect(moveCursor(cursor, move(4), unreadAbove)).toEqual({
        ...cursor,
        readUpTo: 4,
        sharedReadUpTo: 4,
        unread: 1,
        lastReadAt: now,
      }));

    it('moves forward on a private read without moving the part senders see', () =>
      expect(moveCursor(cursor, move(4, false), unreadAbove)).toMatchObject({
        readUpTo: 4,
        sharedReadUpTo: 0,
        unread: 1,
        lastReadAt: now,
      }));

    it('counts a new message as unread', () => expect(messageArrived(cursor, 7).unread).toBe(5));
  });

  describe('given a cursor at 4, all of it shared', () => {
    const cursor = {
      ...emptyCursor('bob', 'c1'),
      readUpTo: 4,
      sharedReadUpTo: 4,
      unread: 1,
      lastReadAt: now,
    };

    it('ignores a stale shared read below it, keeping the last read time', () =>
      expect(moveCursor(cursor, move(3, true, later), unreadAbove)).toEqual(cursor));
  });

  describe('given a cursor at 4, shared up to 2', () => {
    const cursor = {
      ...emptyCursor('bob', 'c1'),
      readUpTo: 4,
      sharedReadUpTo: 2,
      unread: 1,
      lastReadAt: now,
    };

    it('changes nothing when the same read is applied again', () => {
      const once = moveCursor(cursor, move(6, true, later), unreadAbove);
      expect(moveCursor(once, move(6, true, later), unreadAbove)).toEqual(once);
    });

    it('moves both parts forward on a later shared read', () =>
      expect(moveCursor(cursor, move(6, true, later), unreadAbove)).toMatchObject({
        readUpTo: 6,
        sharedReadUpTo: 6,
        unread: 0,
        lastReadAt: later,
      }));

    it('never moves the shared part back on a late private read', () =>
      expect(moveCursor(cursor, move(1, false, later), unreadAbove)).toEqual(cursor));

    it('counts a message that arrives above it as unread', () =>
      expect(messageArrived(cursor, 5).unread).toBe(2));

    it('does not count a late message at or below it as unread', () => {
      expect(messageArrived(cursor, 3)).toEqual(cursor);
      expect(messageArrived(cursor, 4)).toEqual(cursor);
    });
  });
});
