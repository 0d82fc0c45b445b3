import { GROUP_SIZE, type Slot, type SlotKind } from './universe';

/** At most this many transitions' worth of messages in one burst: groups of 500 never burst. */
const BURST_TRANSITIONS = 1000;
/** Time between two messages of one burst, like a person typing: a burst of 10 spans about 1 s. */
export const BURST_GAP_MS = 100;

type Burst = { slot: Slot; left: number; nextAt: number };

/**
 * Conversations in bursts. The kind of each message still follows the mix, and every message
 * still goes out when its turn comes; only where it lands changes: to a conversation of its kind
 * in the middle of a burst whose last message is BURST_GAP_MS old, else to the conversation drawn,
 * which starts a burst of its own. So rate and mix are those of the phase, and the messages of a
 * burst arrive spaced in time whatever the target's latency.
 */
export class Bursts {
  private readonly active = new Map<SlotKind, Burst[]>();

  constructor(private readonly length: number) {}

  place(drawn: Slot, now: number): Slot {
    if (this.length <= 1) return drawn;
    let bursts = this.active.get(drawn.kind);
    if (!bursts) this.active.set(drawn.kind, (bursts = []));
    const due = bursts.findIndex((b) => b.nextAt <= now);
    const burst = bursts[due];
    if (burst) {
      burst.left--;
      burst.nextAt = now + BURST_GAP_MS;
      if (burst.left === 0) bursts.splice(due, 1);
      return burst.slot;
    }
    const perMessage = 2 * (GROUP_SIZE[drawn.kind] - 1);
    const length = Math.min(this.length, Math.floor(BURST_TRANSITIONS / perMessage));
    if (length > 1) bursts.push({ slot: drawn, left: length - 1, nextAt: now + BURST_GAP_MS });
    return drawn;
  }
}
