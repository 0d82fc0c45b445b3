import type { ReceiptUpdate } from '@receipts/contracts';

/**
 * The device's place in its user's change feed: the last position applied, and the pushes that
 * came early (beyond a gap, or while a catch-up runs), held until the positions before them are
 * applied. Everything it hands out is in position order, each position once.
 */
export class FeedOrder {
  private last: number | null;
  private readonly early = new Map<number, ReceiptUpdate>();
  private holding = false;

  constructor(start: number | null) {
    this.last = start;
  }

  /** The last position applied, or null before the device knows where it starts. */
  get position(): number | null {
    return this.last;
  }

  /** Pushes are waiting beyond a gap: positions between them and `position` must be fetched. */
  get gap(): boolean {
    return this.early.size > 0 && !this.holding;
  }

  /** From now until `release`, pushes wait (a catch-up is running). */
  hold(): void {
    this.holding = true;
  }

  /** Starts over at a position (a fresh device's head, or after a resync). */
  startAt(position: number): void {
    this.last = position;
    for (const p of this.early.keys()) if (p <= position) this.early.delete(p);
  }

  /** Pushed updates: returns those to apply now, in order; the rest wait for their turn. */
  pushed(updates: readonly ReceiptUpdate[]): ReceiptUpdate[] {
    for (const u of updates) {
      if (this.last === null || u.position > this.last) this.early.set(u.position, u);
    }
    return this.holding ? [] : this.next();
  }

  /** A page of the feed, contiguous after `position`: what was not applied yet, in order. */
  page(entries: readonly ReceiptUpdate[]): ReceiptUpdate[] {
    const fresh = [...entries]
      .sort((a, b) => a.position - b.position)
      .filter((u) => this.last === null || u.position > this.last);
    const last = fresh.at(-1);
    if (last) this.startAt(last.position);
    return fresh;
  }

  /** Ends a catch-up: the held pushes that follow on, in order (`gap` says if more are missing). */
  release(): ReceiptUpdate[] {
    this.holding = false;
    return this.next();
  }

  private next(): ReceiptUpdate[] {
    const out: ReceiptUpdate[] = [];
    if (this.last === null) return out;
    for (let u = this.early.get(this.last + 1); u; u = this.early.get(this.last + 1)) {
      this.early.delete(u.position);
      this.last = u.position;
      out.push(u);
    }
    return out;
  }
}
