import type { SetReadReceipts } from './receipt.commands';
import type { ReadReceiptsChanged, UserEvent } from './receipt.events';

export type UserSettings = Readonly<{ readReceiptsEnabled: boolean; changedAt: string | null }>;

/** Read receipts are on unless the user turned them off. */
export const defaultUserSettings = (): UserSettings => ({
  readReceiptsEnabled: true,
  changedAt: null,
});

export const evolveUserSettings = (_state: UserSettings, event: UserEvent): UserSettings => ({
  readReceiptsEnabled: event.data.enabled,
  changedAt: event.data.changedAt,
});

/**
 * Each change is recorded at least a millisecond after the one before: a change's event id comes
 * from the user, the time and the value, so two changes to one value at one instant (or on nodes
 * whose clocks disagree) would otherwise share an id, and the store would drop the second as a
 * retry of the first.
 */
const changeTime = (now: string, previous: string | null): string =>
  previous !== null && Date.parse(now) <= Date.parse(previous)
    ? new Date(Date.parse(previous) + 1).toISOString()
    : now;

export const decideReadReceipts = (
  { data, metadata }: SetReadReceipts,
  settings: UserSettings,
): ReadReceiptsChanged[] =>
  settings.readReceiptsEnabled === data.enabled
    ? []
    : [
        {
          type: 'read_receipts_changed',
          data: {
            userId: data.userId,
            enabled: data.enabled,
            changedAt: changeTime(metadata.now, settings.changedAt),
          },
        },
      ];
