/** A message as a feed entry names it: enough to attach its current group counts when served. */
export type FeedMessage = Readonly<{ messageId: string; sequence: number; recipientCount: number }>;

/** What one change tells one user: the same facts, and the same privacy, as its push. */
export type FeedChange =
  | Readonly<{
      type: 'delivered';
      conversationId: string;
      message: FeedMessage;
      recipientId: string;
      deliveredAt: string;
    }>
  | Readonly<{
      type: 'read';
      conversationId: string;
      readerId: string;
      readUpToSequence: number;
      readAt: string;
      messages: readonly FeedMessage[];
    }>
  /** The user's own cursor moved: their counts right after that read. */
  | Readonly<{
      type: 'read_sync';
      conversationId: string;
      readUpToSequence: number;
      unread: number;
      totalUnread: number;
    }>;

/**
 * One change at its place in a user's feed: positions run 1, 2, 3, ... per user without gaps,
 * in log order. `deviceId` is the device whose own read it was (that device is not pushed it).
 */
export type FeedEntry = Readonly<{
  userId: string;
  position: number;
  deviceId: string | null;
  change: FeedChange;
}>;

/** Where a user's feed stands: the last position given, and the first one still kept. */
export type FeedHead = Readonly<{ userId: string; head: number }>;

/** Entries a user's feed keeps by default: older ones are dropped as new ones come. */
export const DEFAULT_FEED_RETENTION = 10_000;
