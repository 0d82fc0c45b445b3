import {
  type DomainEvent,
  conversationStream,
  receiptsStream,
  schemaVersionOf,
  userStream,
} from '@receipts/domain';
import type { EventStore, RecordedEvent } from '@receipts/event-store';

/**
 * A log that can only be read (what a replay needs): the events at positions 1, 2, … in the
 * order given, as a store records them today.
 */
export const recordedLog = (events: readonly DomainEvent[]): EventStore => {
  const recorded: RecordedEvent[] = events.map((event, i) => ({
    id: `e${i + 1}`,
    stream: streamOf(event),
    revision: BigInt(i),
    position: BigInt(i + 1),
    type: event.type,
    data: event.data,
    metadata: { schemaVersion: schemaVersionOf(event.type) },
    recordedAt: new Date(0),
  }));
  const readOnly = (): never => {
    throw new Error('a recorded log is read only');
  };
  return {
    readAll: ({ after = 0n, maxCount }) =>
      Promise.resolve(recorded.filter((e) => e.position > after).slice(0, maxCount)),
    readStream: (stream, from = 0n) =>
      Promise.resolve(
        recorded
          .filter((e) => e.stream === stream)
          .map((e, revision) => ({ ...e, revision: BigInt(revision) }))
          .filter((e) => e.revision >= from),
      ),
    headPosition: () => Promise.resolve(recorded.at(-1)?.position ?? null),
    appendToStream: readOnly,
    subscribeToAll: readOnly,
    close: () => Promise.resolve(),
  };
};

const streamOf = (event: DomainEvent): string => {
  switch (event.type) {
    case 'message_sent':
      return conversationStream(event.data.conversationId);
    case 'message_delivered':
    case 'conversation_read':
      return receiptsStream(event.data.conversationId, event.data.userId);
    case 'read_receipts_changed':
      return userStream(event.data.userId);
  }
};
