import type { GlobalPosition } from '@receipts/event-store';
import type { MongoReadStore } from './mongo-read-store';

/**
 * A rebuild's copy of the MongoDB read models: collections named `<name>_rebuild` beside the
 * live ones, renamed over them at the switch (MongoReadStore.replaceWith). A rebuild killed
 * midway leaves only those collections behind; the next one drops them and starts afresh.
 */
export class MongoRebuildShadow {
  private readonly copy: MongoReadStore;

  constructor(private readonly live: MongoReadStore) {
    this.copy = live.shadow();
  }

  async create(): Promise<void> {
    await this.copy.drop();
    await this.copy.init();
  }

  store(): Promise<MongoReadStore> {
    return Promise.resolve(this.copy);
  }

  switchIn(projection: string, at: GlobalPosition): Promise<boolean> {
    return this.live.replaceWith(this.copy, projection, at);
  }

  discard(): Promise<void> {
    return this.copy.drop();
  }
}
