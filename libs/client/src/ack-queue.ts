import type { AckItem, AckResult } from '@receipts/contracts';

export type Waiter = (result: AckResult) => void;

/** One item on its way with everyone waiting for its answer. */
export type QueuedItem = Readonly<{ item: AckItem; waiters: readonly Waiter[] }>;

type Highest = { upToSequence: number; waiters: Waiter[] };
type Ids = { ids: Set<string>; waiters: Waiter[] };

const raise = (map: Map<string, Highest>, key: string, upTo: number, waiter: Waiter): void => {
  const entry = map.get(key);
  if (entry) {
    entry.upToSequence = Math.max(entry.upToSequence, upTo);
    entry.waiters.push(waiter);
  } else map.set(key, { upToSequence: upTo, waiters: [waiter] });
};

/**
 * The ACKs a device has not sent yet, coalesced: delivered ids per conversation as one set, and
 * only the highest cumulative delivered and read sequence per conversation (a lower one adds
 * nothing the server would record). Everyone who asked waits for the item their ACK went into.
 */
export class AckQueue {
  private readonly ids = new Map<string, Ids>();
  private readonly deliveredUpTo = new Map<string, Highest>();
  private readonly reads = new Map<string, Highest>();

  constructor(private readonly maxIdsPerItem: number) {}

  delivered(conversationId: string, messageIds: readonly string[], waiter: Waiter): void {
    const entry = this.ids.get(conversationId) ?? { ids: new Set<string>(), waiters: [] };
    for (const id of messageIds) entry.ids.add(id);
    entry.waiters.push(waiter);
    this.ids.set(conversationId, entry);
  }

  deliveredUpToSequence(conversationId: string, upToSequence: number, waiter: Waiter): void {
    raise(this.deliveredUpTo, conversationId, upToSequence, waiter);
  }

  read(conversationId: string, upToSequence: number, waiter: Waiter): void {
    raise(this.reads, conversationId, upToSequence, waiter);
  }

  /** How many items `take` would return now. */
  get size(): number {
    let items = this.deliveredUpTo.size + this.reads.size;
    for (const { ids } of this.ids.values()) items += Math.ceil(ids.size / this.maxIdsPerItem);
    return items;
  }

  /**
   * Empties the queue into items: delivered before read per conversation, so a read never
   * waits behind its own delivery. A set too large for one item is split; each part's waiters
   * get the combined answer of all its parts.
   */
  take(): QueuedItem[] {
    const out: QueuedItem[] = [];
    for (const [conversationId, { ids, waiters }] of this.ids) {
      const all = [...ids];
      const parts: AckItem[] = [];
      for (let i = 0; i < all.length; i += this.maxIdsPerItem) {
        parts.push({
          type: 'delivered',
          conversationId,
          messageIds: all.slice(i, i + this.maxIdsPerItem),
        });
      }
      out.push(...splitWaiters(parts, waiters));
    }
    for (const [conversationId, { upToSequence, waiters }] of this.deliveredUpTo) {
      out.push({ item: { type: 'delivered_up_to', conversationId, upToSequence }, waiters });
    }
    for (const [conversationId, { upToSequence, waiters }] of this.reads) {
      out.push({ item: { type: 'read', conversationId, upToSequence }, waiters });
    }
    this.ids.clear();
    this.deliveredUpTo.clear();
    this.reads.clear();
    return out;
  }
}

/** Parts of one delivered set answer their waiters once, when every part has its answer. */
const splitWaiters = (parts: readonly AckItem[], waiters: readonly Waiter[]): QueuedItem[] => {
  if (parts.length === 1) return [{ item: parts[0]!, waiters }];
  const answers: AckResult[] = [];
  const collect: Waiter = (result) => {
    answers.push(result);
    if (answers.length === parts.length) for (const w of waiters) w(combine(answers));
  };
  return parts.map((item) => ({ item, waiters: [collect] }));
};

/** One answer for an ACK sent in parts: the first failure, or the sums of the successes. */
export const combine = (results: readonly AckResult[]): AckResult => {
  const failure = results.find((r) => !r.ok);
  if (failure) return failure;
  let applied = 0;
  let duplicates = 0;
  for (const r of results) {
    if (r.ok) {
      applied += r.applied;
      duplicates += r.duplicates;
    }
  }
  return { ok: true, applied, duplicates };
};
