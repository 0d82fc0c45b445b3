import {
  DeciderSpecification,
  later,
  now,
  readReceiptsChanged,
  setReadReceipts,
} from '@receipts/testing';
import { decideReadReceipts, defaultUserSettings, evolveUserSettings } from './user.decider';

const spec = DeciderSpecification.for({
  decide: decideReadReceipts,
  evolve: evolveUserSettings,
  initialState: defaultUserSettings,
});

describe('decideReadReceipts', () => {
  describe('given a user who never changed the setting', () => {
    it('records read receipts turned off', () =>
      spec
        .given([])
        .when(setReadReceipts({ enabled: false }))
        .then([readReceiptsChanged({ enabled: false })]));

    it('decides nothing when asked to turn them on, as they are on by default', () =>
      spec
        .given([])
        .when(setReadReceipts({ enabled: true }))
        .thenNothingHappens());
  });

  describe('given read receipts turned off', () => {
    const history = [readReceiptsChanged({ enabled: false })];

    it('decides nothing when asked to turn them off again', () =>
      spec
        .given(history)
        .when(setReadReceipts({ enabled: false }))
        .thenNothingHappens());

    it('records read receipts turned back on at the time the command carries', () =>
      spec
        .given(history)
        .when({ ...setReadReceipts({ enabled: true }), metadata: { now: later } })
        .then([readReceiptsChanged({ enabled: true, changedAt: later })]));
  });

  describe('given read receipts turned off and on again', () => {
    it('decides nothing when asked to turn them on', () =>
      spec
        .given([readReceiptsChanged({ enabled: false }), readReceiptsChanged({ enabled: true })])
        .when(setReadReceipts({ enabled: true }))
        .thenNothingHappens());
  });

  describe('given a change at the instant the next command carries (or later, on a clock behind)', () => {
    const oneMsLater = '2024-05-01T12:00:00.001Z';

    it('records the next change a millisecond after it, so the two never share an event id', () =>
      spec
        .given([readReceiptsChanged({ enabled: false, changedAt: now })])
        .when({ ...setReadReceipts({ enabled: true }), metadata: { now } })
        .then([readReceiptsChanged({ enabled: true, changedAt: oneMsLater })]));

    it('keeps the order of changes when the command comes from a clock behind the last change', () =>
      spec
        .given([readReceiptsChanged({ enabled: false, changedAt: later })])
        .when({ ...setReadReceipts({ enabled: true }), metadata: { now } })
        .then([readReceiptsChanged({ enabled: true, changedAt: '2024-05-01T12:05:00.001Z' })]));
  });
});
