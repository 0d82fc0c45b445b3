export const SUMMARY_CACHE = Symbol('SummaryCache');

/**
 * A miss carries a lease: the right to fill the entry, lost when the group is invalidated, so a
 * value read from the store before a projector write can never be cached after it.
 */
export type CacheLookup<T> =
  Readonly<{ hit: true; value: T }> | Readonly<{ hit: false; lease: string }>;

/**
 * A short-lived cache of query answers, in groups that are dropped whole (every summary of one
 * conversation, every unread answer of one user). Values are JSON: what comes back is a copy.
 *
 * A group lives `ttlMs` from its first entry (the first miss), so no answer is served older than
 * that, whoever forgets to invalidate. Within that time, invalidation keeps it exact.
 */
export interface SummaryCache {
  /** The cached value, or a miss with a lease; only the first miss of a group's field holds a valid one. */
  get<T>(group: string, field: string, ttlMs: number): Promise<CacheLookup<T>>;
  /** Stores the value if the lease is still the field's (no invalidation since); says whether it did. */
  set(group: string, field: string, value: unknown, lease: string): Promise<boolean>;
  /** Drops every entry and lease of the groups. */
  invalidate(groups: readonly string[]): Promise<void>;
}
