import type { DomainEvent } from '@receipts/domain';
import type { EventToAppend } from '@receipts/event-store';
import { type Causation, toEventToAppend } from './event-ids';

/** One command's decision on its stream's state: the events it adds. It throws to refuse. */
export type Decision<State, Event> = (state: State) => Event[];

export type PendingCommand<State, Event> = Readonly<{
  decide: Decision<State, Event>;
  causation: Causation;
}>;

export type DecidedBatch<Event> = Readonly<{
  /** One per command decided, in order: its events, or the error that refused it. */
  decided: Array<PromiseSettledResult<readonly Event[]>>;
  events: Event[];
  toAppend: EventToAppend[];
}>;

/**
 * Decides each command on the state the commands before it leave, so a batch decides what the
 * same commands would one after another: a repeated ACK finds its messages already delivered.
 * A refused command adds nothing and does not stop the others. It stops before a command whose
 * events repeat an event id of the batch (the store would refuse the whole append): that command
 * and the ones after it wait for the next append.
 */
export const decideInOrder = <State, Event extends DomainEvent>(
  initial: State,
  commands: ReadonlyArray<PendingCommand<State, Event>>,
  fold: (state: State, events: readonly Event[]) => State,
): DecidedBatch<Event> => {
  const batch: DecidedBatch<Event> = { decided: [], events: [], toAppend: [] };
  const ids = new Set<string>();
  let state = initial;
  for (const { decide, causation } of commands) {
    let events: Event[];
    try {
      events = decide(state);
    } catch (reason) {
      batch.decided.push({ status: 'rejected', reason });
      continue;
    }
    const toAppend = events.map((event) => toEventToAppend(event, causation));
    if (toAppend.some(({ id }) => ids.has(id))) break;
    for (const { id } of toAppend) ids.add(id);
    batch.decided.push({ status: 'fulfilled', value: events });
    batch.events.push(...events);
    batch.toAppend.push(...toAppend);
    state = fold(state, events);
  }
  return batch;
};
