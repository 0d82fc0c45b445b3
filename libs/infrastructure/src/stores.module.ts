import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ReceiptMetrics } from '@receipts/application';
import { EVENT_STORE, type EventStore, SqliteEventStore } from '@receipts/event-store';
import { READ_STORE, type ReadStore, SqliteReadStore } from '@receipts/read-store';
import { RECEIPTS_CONFIG, type ReceiptsConfig, loadConfig } from './config';

const embeddedFile = (config: ReceiptsConfig, name: string): string => {
  mkdirSync(config.RECEIPTS_DATA_DIR, { recursive: true });
  return join(config.RECEIPTS_DATA_DIR, name);
};

class StoreLifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(EVENT_STORE) private readonly events: EventStore,
    @Inject(READ_STORE) private readonly reads: ReadStore,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.events.close();
    await this.reads.close();
  }
}

/** The composition root for storage: which adapter stands behind each port, chosen by configuration. */
@Global()
@Module({
  providers: [
    { provide: RECEIPTS_CONFIG, useFactory: () => loadConfig() },
    { provide: ReceiptMetrics, useFactory: () => new ReceiptMetrics() },
    {
      provide: EVENT_STORE,
      inject: [RECEIPTS_CONFIG],
      useFactory: (config: ReceiptsConfig): EventStore =>
        new SqliteEventStore(embeddedFile(config, 'events.sqlite')),
    },
    {
      provide: READ_STORE,
      inject: [RECEIPTS_CONFIG],
      useFactory: (config: ReceiptsConfig): ReadStore =>
        new SqliteReadStore(embeddedFile(config, 'read-models.sqlite')),
    },
    StoreLifecycle,
  ],
  exports: [RECEIPTS_CONFIG, ReceiptMetrics, EVENT_STORE, READ_STORE],
})
export class StoresModule {}
