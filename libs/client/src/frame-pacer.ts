/**
 * Spaces frames at least `1000 / perSecond` ms apart, so a burst of full batches and their
 * retries stays under the server's per-device frame rate instead of being answered RATE_LIMITED.
 */
export class FramePacer {
  private next = 0;

  constructor(private readonly perSecond: number) {}

  async slot(): Promise<void> {
    const now = Date.now();
    const at = Math.max(now, this.next);
    this.next = at + 1000 / this.perSecond;
    if (at > now) await new Promise((resolve) => setTimeout(resolve, at - now));
  }
}
