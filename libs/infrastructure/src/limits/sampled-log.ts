type Entry = { loggedAt: number; skipped: number };

/** Distinct keys remembered at most; past it the memory starts over (a line more, never fewer). */
const MAX_KEYS = 1000;

/**
 * Lets a line per key through at most once per interval and counts the ones it leaves out, so a
 * client repeating a bad request cannot turn each one into a log line.
 */
export class SampledLog {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Calls `write` unless `key` was written within the interval; it gets the count left out since. */
  note(key: string, write: (leftOut: number) => void): void {
    const now = this.now();
    const entry = this.entries.get(key);
    if (entry && now - entry.loggedAt < this.intervalMs) {
      entry.skipped += 1;
      return;
    }
    if (!entry && this.entries.size >= MAX_KEYS) this.entries.clear();
    this.entries.set(key, { loggedAt: now, skipped: 0 });
    write(entry?.skipped ?? 0);
  }
}
