import type {
  AckItem,
  AckResult,
  ErrorPayload,
  ProgressUpdate,
  ReceiptUpdate,
} from '@receipts/contracts';
import type { CaughtUp, Resynced } from './feed-catch-up';
import type { MessageReceipts } from './receipt-state';

type ReadSync = Extract<ReceiptUpdate, { type: 'read_sync' }>;

export type ReceiptsClientEvents = {
  /**
   * Feed updates as they are applied, in position order, each once: pushed (`push`) or
   * fetched while catching up (`feed`).
   */
  receipts: (updates: ReceiptUpdate[], source: 'push' | 'feed') => void;
  /** The device has applied everything up to the feed's head, `entries` of them fetched. */
  caughtUp: (caughtUp: CaughtUp) => void;
  /**
   * The feed no longer had the device's position (`expired`, or `ahead` of it): the snapshots
   * were reloaded and the device goes on from `head`. Facts older than the snapshots may be
   * missing from `state` (messages not tracked, or beyond the 40 reloaded): reload what is on
   * screen.
   */
  resync: (resync: Resynced) => void;
  /** The server refused a catch-up request while connected; the device goes on live. */
  catchUpFailed: (error: ErrorPayload) => void;
  /** A sync's per-member progress (`startReceiptSync`), as it came. */
  progress: (updates: ProgressUpdate[]) => void;
  /** The server refused a sync (also when started again after a reconnection): it is dropped. */
  syncFailed: (conversationId: string, error: ErrorPayload) => void;
  /** One of the user's own messages got new receipts. */
  message: (message: MessageReceipts) => void;
  /** The user read on another device. */
  readSync: (update: ReadSync) => void;
  /** A badge changed: one conversation's, or all of them after a snapshot. */
  unread: (badges: Readonly<{ conversationId: string | null; totalUnread: number }>) => void;
  /** Anything in `state` changed: render. */
  change: () => void;
  connection: (status: 'online' | 'offline') => void;
  /** An ACK that will not be applied: a non-retryable answer, or retries ran out. */
  ackFailed: (item: AckItem, result: Extract<AckResult, { ok: false }>) => void;
};
