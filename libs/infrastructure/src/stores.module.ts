import { Global, Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ReceiptMetrics, WriteHealth } from '@receipts/application';
import {
  EVENT_STORE,
  EsdbEventStore,
  type EventStore,
  SqliteEventStore,
} from '@receipts/event-store';
import { MongoReadStore, READ_STORE, type ReadStore, SqliteReadStore } from '@receipts/read-store';
import { RECEIPTS_CONFIG, type ReceiptsConfig } from './config';
import { ConfigurationModule } from './configuration.module';

/** The embedded stores' files, in RECEIPTS_DATA_DIR (created when missing). */
export const embeddedFile = (
  config: ReceiptsConfig,
  name: 'events.sqlite' | 'read-models.sqlite',
): string => {
  mkdirSync(config.RECEIPTS_DATA_DIR, { recursive: true });
  return join(config.RECEIPTS_DATA_DIR, name);
};

/** loadConfig guarantees the URLs in production; this keeps the type checker in the loop. */
const required = (config: ReceiptsConfig, name: 'EVENTSTORE_URL' | 'MONGODB_URL'): string => {
  const value = config[name];
  if (!value) throw new Error(`${name} is required when RECEIPTS_STORE=production`);
  return value;
};

const eventStore = (config: ReceiptsConfig): EventStore => {
  if (config.RECEIPTS_STORE === 'embedded') {
    return new SqliteEventStore(
      embeddedFile(config, 'events.sqlite'),
      25,
      config.RECEIPTS_GROUP_COMMIT_MS,
    );
  }
  const logger = new Logger('EventStoreDB');
  return new EsdbEventStore(required(config, 'EVENTSTORE_URL'), {
    onResubscribe: (error, attempt, delayMs) =>
      logger.warn(
        `subscription dropped (attempt ${attempt}, again in ${delayMs} ms): ${String(error)}`,
      ),
  });
};

const readStore = async (config: ReceiptsConfig): Promise<ReadStore> =>
  config.RECEIPTS_STORE === 'embedded'
    ? new SqliteReadStore(embeddedFile(config, 'read-models.sqlite'), feedOptions(config))
    : MongoReadStore.connect(
        required(config, 'MONGODB_URL'),
        config.MONGODB_DB,
        feedOptions(config),
      );

const feedOptions = (config: ReceiptsConfig) => ({
  feedRetention: config.RECEIPTS_FEED_RETENTION,
});

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

/**
 * The composition root for storage, chosen by RECEIPTS_STORE: `embedded` is SQLite files in
 * RECEIPTS_DATA_DIR, `production` is EventStoreDB (EVENTSTORE_URL) and MongoDB (MONGODB_URL).
 */
@Global()
@Module({
  imports: [ConfigurationModule],
  providers: [
    { provide: ReceiptMetrics, useFactory: () => new ReceiptMetrics() },
    { provide: EVENT_STORE, inject: [RECEIPTS_CONFIG], useFactory: eventStore },
    { provide: READ_STORE, inject: [RECEIPTS_CONFIG], useFactory: readStore },
    {
      provide: WriteHealth,
      inject: [EVENT_STORE],
      useFactory: (store: EventStore) => new WriteHealth(store),
    },
    StoreLifecycle,
  ],
  exports: [ReceiptMetrics, EVENT_STORE, READ_STORE, WriteHealth],
})
export class StoresModule {}
