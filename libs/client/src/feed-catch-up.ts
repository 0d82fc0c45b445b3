import { type ErrorPayload, MAX_FEED_PAGE, type ReceiptUpdate } from '@receipts/contracts';
import { FeedOrder } from './feed-order';
import type { ReceiptsSocket } from './receipts-socket';
import type { ServerRequests } from './server-requests';

export type CaughtUp = Readonly<{ position: number; entries: number }>;
export type Resynced = Readonly<{ reason: string; head: number }>;

export type CatchUpHooks = Readonly<{
  /** Updates to apply, in position order, each once: pushed ones, or a feed page's. */
  apply: (updates: ReceiptUpdate[], source: 'push' | 'feed') => void;
  /** Loads the snapshots (badges, own messages' receipts). */
  refresh: () => Promise<void>;
  resynced: (resync: Resynced) => void;
  caughtUp: (caughtUp: CaughtUp) => void;
  failed: (error: ErrorPayload) => void;
}>;

export type CatchUpOptions = Readonly<{
  /** The last position the app applied before (persisted), or null for a fresh start. */
  resumeFrom: number | null;
  /** Load the snapshots on the first connection (the local state starts empty). */
  snapshotsFirst: boolean;
}>;

const headOf = (error: ErrorPayload): number => {
  const head = error.details?.['head'];
  return typeof head === 'number' && head >= 0 ? head : 0;
};

/**
 * Gap-free catch-up from the device's last feed position: on every connection and whenever a
 * push shows a gap, it pages `receipt:resume` until `head`, holding pushes meanwhile, then
 * applies the held ones that follow on. A position the feed no longer serves resyncs from the
 * snapshots; a fresh device learns the head instead of replaying history.
 */
export class FeedCatchUp {
  private readonly order: FeedOrder;
  private running = false;
  private again = false;
  private snapshotsLoaded: boolean;

  constructor(
    private readonly socket: ReceiptsSocket,
    private readonly requests: ServerRequests,
    private readonly hooks: CatchUpHooks,
    options: CatchUpOptions,
  ) {
    this.order = new FeedOrder(options.resumeFrom);
    this.snapshotsLoaded = !options.snapshotsFirst;
  }

  get position(): number | null {
    return this.order.position;
  }

  pushed(updates: readonly ReceiptUpdate[]): void {
    const ready = this.order.pushed(updates);
    if (ready.length > 0) this.hooks.apply(ready, 'push');
    if (this.order.gap) this.start();
  }

  /** Catches up now, or once the catch-up under way has ended. */
  start(): void {
    this.order.hold();
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    void this.loop();
  }

  private async loop(): Promise<void> {
    // What one catch-up took from the feed, over all its passes (a gap found after a pass
    // starts another).
    const taken = { entries: 0 };
    try {
      do {
        this.again = false;
        this.order.hold();
        await this.once(taken);
      } while (this.again && this.socket.connected);
    } finally {
      this.running = false;
    }
  }

  private async once(taken: { entries: number }): Promise<void> {
    if (this.order.position === null) {
      const head = await this.head();
      if (head === null) return;
      await this.snapshots();
      this.order.startAt(head);
    }
    for (;;) {
      const after = this.order.position ?? 0;
      const page = await this.requests.ask('receipt:resume', { after, limit: MAX_FEED_PAGE });
      if (!page.ok) {
        if (page.error.code === 'RESYNC_REQUIRED') {
          await this.resync(page.error);
          continue;
        }
        // Offline: the next connection catches up. Refused while connected: go live as we are.
        if (this.socket.connected) this.live(page.error);
        return;
      }
      const fresh = this.order.page(page.entries);
      taken.entries += fresh.length;
      if (fresh.length > 0) this.hooks.apply(fresh, 'feed');
      if (page.next >= page.head || page.entries.length === 0) break;
    }
    // A restarted app (resumeFrom) loads them after the pages: the badges are then the freshest.
    await this.snapshots();
    const held = this.order.release();
    if (held.length > 0) this.hooks.apply(held, 'push');
    if (this.order.gap) this.again = true;
    else this.hooks.caughtUp({ position: this.order.position ?? 0, entries: taken.entries });
  }

  /** The feed's head, without replaying it: a one-entry page's `head` (or a resync's). */
  private async head(): Promise<number | null> {
    const page = await this.requests.ask('receipt:resume', { after: 0, limit: 1 });
    if (page.ok) return page.head;
    if (page.error.code === 'RESYNC_REQUIRED') return headOf(page.error);
    if (this.socket.connected) this.live(page.error);
    return null;
  }

  private async resync(error: ErrorPayload): Promise<void> {
    const head = headOf(error);
    this.snapshotsLoaded = false;
    await this.snapshots();
    this.order.startAt(head);
    const reason = error.details?.['reason'];
    this.hooks.resynced({ reason: typeof reason === 'string' ? reason : 'unknown', head });
  }

  private async snapshots(): Promise<void> {
    if (this.snapshotsLoaded) return;
    try {
      await this.hooks.refresh();
      this.snapshotsLoaded = true;
    } catch {
      // Unreachable snapshots do not hold the feed back; the next connection loads them.
    }
  }

  private live(error: ErrorPayload): void {
    const held = this.order.release();
    if (held.length > 0) this.hooks.apply(held, 'push');
    this.hooks.failed(error);
  }
}
