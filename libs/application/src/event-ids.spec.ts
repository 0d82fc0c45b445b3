import fc from 'fast-check';
import { v5 as uuidv5 } from 'uuid';
import { type ConversationRead, eventKey } from '@receipts/domain';
import { toEventToAppend } from './event-ids';

/** The namespace the logs' ids were made with: a change would make old retries new events. */
const NAMESPACE = '6f1c3c8e-7a52-4b4e-9d43-0d7f5a1c2b90';

const read = (conversationId: string, userId: string, upTo: number): ConversationRead => ({
  type: 'conversation_read',
  data: {
    conversationId,
    userId,
    deviceId: 'phone',
    readUpToSequence: upTo,
    previousReadUpToSequence: 0,
    previousSharedReadUpToSequence: 0,
    receiptsShared: true,
    readAt: '2026-12-01T10:00:00.000Z',
  },
});

describe('event ids', () => {
  it('are the UUIDv5 of the natural key that logs already hold, for any text', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme' }),
        fc.string({ unit: 'grapheme' }),
        fc.nat(),
        (conversationId, userId, upTo) => {
          const event = read(conversationId, userId, upTo);
          expect(toEventToAppend(event, {}).id).toBe(uuidv5(eventKey(event), NAMESPACE));
        },
      ),
    );
  });

  it('are the same for the same fact whatever the causation, and differ between facts', () => {
    const once = toEventToAppend(read('c1', 'bob', 7), { correlationId: 'a', deviceId: 'phone' });
    const again = toEventToAppend(read('c1', 'bob', 7), { correlationId: 'b', deviceId: null });
    expect(again.id).toBe(once.id);
    expect(toEventToAppend(read('c1', 'bob', 8), {}).id).not.toBe(once.id);
  });
});
