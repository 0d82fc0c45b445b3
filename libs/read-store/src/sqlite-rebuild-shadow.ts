import { rm } from 'node:fs/promises';
import type { GlobalPosition } from '@receipts/event-store';
import { SqliteReadStore } from './sqlite-read-store';

/**
 * A rebuild's copy of the embedded read models: a bulk-mode file beside the live one
 * (`<live>.rebuild`), swapped in by copying its tables into the live file in one transaction.
 * A rebuild killed midway leaves only this file behind; the next one starts it afresh.
 */
export class SqliteRebuildShadow {
  private opened: SqliteReadStore | null = null;
  readonly file: string;

  constructor(private readonly live: SqliteReadStore) {
    this.file = `${live.file}.rebuild`;
  }

  async create(): Promise<void> {
    await this.discard();
  }

  store(): Promise<SqliteReadStore> {
    this.opened ??= new SqliteReadStore(this.file, { bulk: true });
    return Promise.resolve(this.opened);
  }

  /** The copy is closed first: in bulk mode its connection holds the file exclusively. */
  async switchIn(projection: string, at: GlobalPosition): Promise<boolean> {
    await this.close();
    return this.live.replaceFrom(this.file, projection, at);
  }

  async discard(): Promise<void> {
    await this.close();
    for (const suffix of ['', '-journal', '-wal', '-shm']) {
      await rm(`${this.file}${suffix}`, { force: true });
    }
  }

  private async close(): Promise<void> {
    await this.opened?.close();
    this.opened = null;
  }
}
