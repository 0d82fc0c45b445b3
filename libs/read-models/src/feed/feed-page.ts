import type { FeedEntry } from './feed-entry';

/** A page of one user's feed as a store answers it. */
export type StoredFeedPage = Readonly<{
  entries: readonly FeedEntry[];
  /** The user's last position (0 before any change). */
  head: number;
  /** The oldest position still kept (head + 1 when none is). */
  firstKept: number;
}>;

/** Why a position cannot be served: older than the feed keeps, or beyond its head. */
export type FeedGap = 'expired' | 'ahead';

/**
 * A client that has seen everything up to `after` can go on from the feed only if the entries
 * right after it are still kept and `after` is one the feed has given.
 */
export const feedGap = (after: number, page: Omit<StoredFeedPage, 'entries'>): FeedGap | null => {
  if (after > page.head) return 'ahead';
  if (after < page.head && after + 1 < page.firstKept) return 'expired';
  return null;
};
