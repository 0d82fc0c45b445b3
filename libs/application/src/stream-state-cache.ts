import type { EventStore, ExpectedRevision } from '@receipts/event-store';

export type Folded<State> = Readonly<{ state: State; revision: ExpectedRevision }>;

/** How many streams a cache keeps, and how much state in all (in the units of its `weigh`). */
export type CacheBounds<State> = Readonly<{
  streams: number;
  weight: number;
  /** A cheap size estimate of one stream's state (e.g. messages x members). */
  weigh: (state: State) => number;
}>;

/**
 * Keeps the folded state of recently used streams. A load reads only the stream's tail past
 * the cached revision, so the cache is never trusted blindly: other nodes' appends are seen,
 * and the append's expected revision catches any race.
 */
export class StreamStateCache<State, Event> {
  private readonly entries = new Map<string, Folded<State> & { weight: number }>();
  private weight = 0;

  constructor(
    private readonly store: EventStore,
    private readonly initial: () => State,
    readonly fold: (state: State, events: readonly Event[]) => State,
    private readonly decode: (type: string, version: number, data: unknown) => Event,
    private readonly bounds: CacheBounds<State>,
  ) {}

  /**
   * The cached state as it is, read from the store only when absent. For a stream the caller is
   * about to append to: a stale state fails the append's revision check, and the caller forgets
   * it and decides again.
   */
  async loadForAppend(stream: string): Promise<Folded<State>> {
    const cached = this.entries.get(stream);
    if (!cached) return this.load(stream);
    this.entries.delete(stream);
    this.entries.set(stream, cached);
    return cached;
  }

  async load(stream: string): Promise<Folded<State>> {
    const cached = this.entries.get(stream) ?? { state: this.initial(), revision: 'no_stream' };
    const from = typeof cached.revision === 'bigint' ? cached.revision + 1n : 0n;
    const recorded = await this.store.readStream(stream, from);
    if (recorded.length === 0) return this.remember(stream, cached);
    const events = recorded.map((e) => this.decode(e.type, e.metadata.schemaVersion, e.data));
    return this.remember(stream, {
      state: this.fold(cached.state, events),
      revision: recorded.at(-1)!.revision,
    });
  }

  /** Records what this node just appended, so the next load reads nothing. */
  advance(stream: string, before: Folded<State>, events: readonly Event[], revision: bigint): void {
    this.remember(stream, { state: this.fold(before.state, events), revision });
  }

  forget(stream: string): void {
    this.weight -= this.entries.get(stream)?.weight ?? 0;
    this.entries.delete(stream);
  }

  /** Least recently used first out, by count and by weight; the stream just used always stays. */
  private remember(stream: string, folded: Folded<State>): Folded<State> {
    this.forget(stream);
    const weight = this.bounds.weigh(folded.state);
    this.entries.set(stream, { ...folded, weight });
    this.weight += weight;
    for (const oldest of this.entries.keys()) {
      const over = this.entries.size > this.bounds.streams || this.weight > this.bounds.weight;
      if (!over || oldest === stream) break;
      this.forget(oldest);
    }
    return folded;
  }
}
