/** Runs one batch of a key: one settled result per item, in the items' order. */
export type BatchRunner<Item, Result> = (
  key: string,
  items: readonly Item[],
) => Promise<Array<PromiseSettledResult<Result>>>;

type Waiting<Item, Result> = Readonly<{
  item: Item;
  resolve: (result: Result) => void;
  reject: (reason: unknown) => void;
}>;

/**
 * Hands the work queued for one key over in batches, in arrival order, one batch of a key at a
 * time: what arrives in the same event-loop turn, or while the key's previous batch runs, goes
 * into the next batch together. Keys run independently of each other.
 */
export class KeyedBatches<Item, Result> {
  private readonly queued = new Map<string, Array<Waiting<Item, Result>>>();
  private readonly running = new Set<string>();

  constructor(private readonly run: BatchRunner<Item, Result>) {}

  add(key: string, item: Item): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      const queue = this.queued.get(key);
      if (queue) {
        queue.push({ item, resolve, reject });
        return;
      }
      this.queued.set(key, [{ item, resolve, reject }]);
      // A key that is idle waits for the rest of this turn; a busy one starts its next batch itself.
      if (!this.running.has(key)) setImmediate(() => void this.drain(key));
    });
  }

  private async drain(key: string): Promise<void> {
    this.running.add(key);
    try {
      for (let batch = this.take(key); batch; batch = this.take(key))
        await this.runBatch(key, batch);
    } finally {
      this.running.delete(key);
    }
  }

  private take(key: string): Array<Waiting<Item, Result>> | undefined {
    const batch = this.queued.get(key);
    this.queued.delete(key);
    return batch;
  }

  private async runBatch(key: string, batch: Array<Waiting<Item, Result>>): Promise<void> {
    try {
      const results = await this.run(
        key,
        batch.map((waiting) => waiting.item),
      );
      batch.forEach((waiting, i) => settle(waiting, results[i]));
    } catch (error) {
      for (const waiting of batch) waiting.reject(error);
    }
  }
}

const settle = <Item, Result>(
  waiting: Waiting<Item, Result>,
  result: PromiseSettledResult<Result> | undefined,
): void => {
  if (result === undefined) waiting.reject(new Error('The batch gave this item no result'));
  else if (result.status === 'fulfilled') waiting.resolve(result.value);
  else waiting.reject(result.reason);
};
