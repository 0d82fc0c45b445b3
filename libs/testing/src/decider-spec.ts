import { ReceiptError, type ReceiptErrorCode } from '@receipts/domain';

/**
 * The three functions a decider test needs; `initialState` is a factory so tests never share
 * state. The history may hold more event types than the decider emits (a receipt decision also
 * looks at the conversation's messages), hence `PastEvent`.
 */
export type Decider<Command, Event, State, PastEvent = Event> = Readonly<{
  decide: (command: Command, state: State) => readonly Event[];
  evolve: (state: State, event: PastEvent) => State;
  initialState: () => State;
}>;

export type DeciderThen<Event> = Readonly<{
  then: (expected: readonly Event[]) => void;
  thenNothingHappens: () => void;
  thenThrows: (code: ReceiptErrorCode, details?: Readonly<Record<string, unknown>>) => void;
}>;

/**
 * given(past events).when(command).then(new events): the past is folded with `evolve` from the
 * initial state, so a test states history, never internal state.
 */
export const DeciderSpecification = {
  for: <Command, Event, State, PastEvent>(decider: Decider<Command, Event, State, PastEvent>) => ({
    given: (history: readonly PastEvent[]) => ({
      when: (command: Command): DeciderThen<Event> => {
        const decide = (): readonly Event[] =>
          decider.decide(
            command,
            history.reduce((state, event) => decider.evolve(state, event), decider.initialState()),
          );
        return {
          then: (expected) => expect(decide()).toEqual(expected),
          thenNothingHappens: () => expect(decide()).toEqual([]),
          thenThrows: (code, details) => expectReceiptError(decide, code, details),
        };
      },
    }),
  }),
};

/** A refusal is a ReceiptError with the expected code; being a pure function, it wrote nothing. */
const expectReceiptError = (
  act: () => unknown,
  code: ReceiptErrorCode,
  details?: Readonly<Record<string, unknown>>,
): void => {
  let thrown: unknown;
  let decided: unknown;
  try {
    decided = act();
  } catch (error) {
    thrown = error;
  }
  if (thrown === undefined) {
    throw new Error(
      `Expected ReceiptError ${code}, but the decider returned ${JSON.stringify(decided)}`,
    );
  }
  expect(thrown).toBeInstanceOf(ReceiptError);
  const error = thrown as ReceiptError;
  expect(error.code).toBe(code);
  if (details) expect(error.details).toMatchObject(details);
};
