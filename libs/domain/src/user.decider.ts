import type { SetReadReceipts } from './receipt.commands';
import type { ReadReceiptsChanged, UserEvent } from './receipt.events';

export type UserSettings = Readonly<{ readReceiptsEnabled: boolean }>;

/** Read receipts are on unless the user turned them off. */
export const defaultUserSettings = (): UserSettings => ({ readReceiptsEnabled: true });

export const evolveUserSettings = (_state: UserSettings, event: UserEvent): UserSettings => ({
  readReceiptsEnabled: event.data.enabled,
});

export const decideReadReceipts = (
  { data, metadata }: SetReadReceipts,
  settings: UserSettings,
): ReadReceiptsChanged[] =>
  settings.readReceiptsEnabled === data.enabled
    ? []
    : [
        {
          type: 'read_receipts_changed',
          data: { userId: data.userId, enabled: data.enabled, changedAt: metadata.now },
        },
      ];
