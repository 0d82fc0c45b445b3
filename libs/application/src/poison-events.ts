import { decodeEvent, isDomainEventType } from '@receipts/domain';
import type { EventStore, GlobalPosition, RecordedEvent } from '@receipts/event-store';
import { PROJECTED_EVENT_TYPES, type ReadModelChange, projectEvent } from '@receipts/read-models';
import type { ParkedEvent, ReadStore } from '@receipts/read-store';

/** An event of ours with what it asks of the read models, or why it cannot be projected. */
export type DecodedEvent = Readonly<
  | { event: RecordedEvent; changes: readonly ReadModelChange[] }
  | { event: RecordedEvent; poison: string }
>;

/** Maps a recorded event to read-model changes; throws when the event cannot be read. */
export type EventDecoder = (event: RecordedEvent) => readonly ReadModelChange[];

export const decodeRecorded: EventDecoder = (event) =>
  projectEvent(decodeEvent(event.type, event.metadata.schemaVersion, event.data));

/**
 * Events of other types (another service's, or system events) are not ours to project. Ours are
 * decoded one by one, so that one that fails (an unknown schema version, a shape that does not
 * validate) is named rather than failing its whole batch.
 */
export const decodeBatch = (
  batch: readonly RecordedEvent[],
  decode: EventDecoder = decodeRecorded,
): DecodedEvent[] =>
  batch
    .filter((e) => isDomainEventType(e.type) && PROJECTED_EVENT_TYPES.has(e.type))
    .map((event) => {
      try {
        return { event, changes: decode(event) };
      } catch (error) {
        return { event, poison: describeError(error) };
      }
    });

/**
 * Errors that are the event's fault when applying it alone fails with them: the fold meeting
 * data it cannot handle. A store's errors (I/O, locks, a lost connection) are never parked: the
 * runner backs off and tries the batch again.
 */
export const isEventFault = (error: unknown): boolean =>
  error instanceof TypeError || error instanceof RangeError;

export const describeError = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);

export const parkedRecord = (event: RecordedEvent, reason: string, at: Date): ParkedEvent => ({
  position: event.position,
  eventId: event.id,
  type: event.type,
  stream: event.stream,
  revision: event.revision,
  schemaVersion: event.metadata.schemaVersion,
  reason,
  parkedAt: at.toISOString(),
});

export type RetryOutcome = Readonly<{
  position: GlobalPosition;
  type: string;
  outcome: 'applied' | 'still failing' | 'gone';
  reason?: string;
}>;

/**
 * Applies parked events again (after a fix), in log order, each read back from the log; an
 * applied one is removed from the parked events in the same commit, and one that still fails
 * stays parked with its new reason. `positions`: all of them when null.
 */
export const retryParked = async (
  events: EventStore,
  store: ReadStore,
  projection: string,
  positions: readonly GlobalPosition[] | null,
  decode: EventDecoder = decodeRecorded,
): Promise<RetryOutcome[]> => {
  const wanted = positions && new Set(positions);
  const outcomes: RetryOutcome[] = [];
  for (const parked of await store.parkedEvents(projection)) {
    if (wanted && !wanted.has(parked.position)) continue;
    const { position, type } = parked;
    const event = (await events.readStream(parked.stream, parked.revision)).find(
      (e) => e.position === position,
    );
    if (!event) {
      outcomes.push({ position, type, outcome: 'gone', reason: 'not found in the log' });
      continue;
    }
    const stillFailing = async (error: unknown): Promise<void> => {
      const reason = describeError(error);
      await store.park(projection, { ...parked, reason, parkedAt: new Date().toISOString() });
      outcomes.push({ position, type, outcome: 'still failing', reason });
    };
    let changes: readonly ReadModelChange[];
    try {
      changes = decode(event);
    } catch (error) {
      await stillFailing(error);
      continue;
    }
    try {
      await store.applyParked(projection, position, changes);
      outcomes.push({ position, type, outcome: 'applied' });
    } catch (error) {
      if (!isEventFault(error)) throw error;
      await stillFailing(error);
    }
  }
  return outcomes;
};
