type Listener = (...args: never[]) => void;

/** Typed listeners by event name; the SDK runs in browsers too, so no Node `events`. */
export class Listeners<Events extends Record<keyof Events, Listener>> {
  private readonly byName = new Map<keyof Events, Set<Listener>>();

  on<E extends keyof Events>(event: E, listener: Events[E]): () => void {
    const set = this.byName.get(event) ?? new Set<Listener>();
    set.add(listener);
    this.byName.set(event, set);
    return () => set.delete(listener);
  }

  emit<E extends keyof Events>(event: E, ...args: Parameters<Events[E]>): void {
    for (const listener of this.byName.get(event) ?? []) {
      (listener as (...a: Parameters<Events[E]>) => void)(...args);
    }
  }
}
