import type { CacheLookup, SummaryCache } from './summary-cache';

type Group = { expiresAt: number; values: Map<string, string>; leases: Map<string, string> };

/** The embedded cache: one process's memory, bounded in groups, oldest dropped first. */
export class InProcessSummaryCache implements SummaryCache {
  private readonly groups = new Map<string, Group>();
  private leases = 0;

  constructor(
    private readonly maxGroups = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Groups held, expired or not: what the memory bound is about. */
  get size(): number {
    return this.groups.size;
  }

  get<T>(group: string, field: string, ttlMs: number): Promise<CacheLookup<T>> {
    const entry = this.live(group) ?? this.open(group, ttlMs);
    const json = entry.values.get(field);
    if (json !== undefined) return Promise.resolve({ hit: true, value: JSON.parse(json) as T });
    const lease = `lease-${++this.leases}`;
    if (!entry.leases.has(field)) entry.leases.set(field, lease);
    return Promise.resolve({ hit: false, lease });
  }

  set(group: string, field: string, value: unknown, lease: string): Promise<boolean> {
    const entry = this.live(group);
    if (entry?.leases.get(field) !== lease) return Promise.resolve(false);
    entry.values.set(field, JSON.stringify(value));
    return Promise.resolve(true);
  }

  invalidate(groups: readonly string[]): Promise<void> {
    for (const group of groups) this.groups.delete(group);
    return Promise.resolve();
  }

  private live(group: string): Group | undefined {
    const entry = this.groups.get(group);
    if (entry && entry.expiresAt <= this.now()) {
      this.groups.delete(group);
      return undefined;
    }
    return entry;
  }

  /**
   * Groups are kept in the order they were opened, which is the order they expire in under one
   * TTL: opening one drops the expired groups at the front (and the oldest beyond the bound),
   * so groups nobody asks for again do not linger until the bound is reached.
   */
  private open(group: string, ttlMs: number): Group {
    const now = this.now();
    const entry: Group = { expiresAt: now + ttlMs, values: new Map(), leases: new Map() };
    this.groups.delete(group);
    this.groups.set(group, entry);
    for (const [oldest, { expiresAt }] of this.groups) {
      if (expiresAt > now && this.groups.size <= this.maxGroups) break;
      this.groups.delete(oldest);
    }
    return entry;
  }
}
