import {
  type DynamicModule,
  Inject,
  Logger,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,

} from '@nestjs/common';
import {
  ProjectionRunner,
  ReceiptMetrics,
  ReceiptNotifier,
  ReceiptQueryService,
} from '@receipts/application';
import { EVENT_STORE, type EventStore } from '@receipts/event-store';
import { RECEIPTS_PROJECTION } from '@receipts/read-models';
import { READ_STORE, type ReadStore } from '@receipts/read-store';
import { PUSH_CHANNEL, type PushChannel } from '@receipts/realtime';
import { RECEIPTS_CONFIG, type ReceiptsConfig } from './config';

const PROJECTION_OPTIONS = Symbol('ProjectionOptions');
type ProjectionOptions = { run: (config: ReceiptsConfig) => boolean };

class ProjectionHost implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Projector');
  private readonly stop = new AbortController();
  private running: Promise<void> | null = null;

  constructor(
    private readonly runner: ProjectionRunner,
    @Inject(RECEIPTS_CONFIG) private readonly config: ReceiptsConfig,
    @Inject(PROJECTION_OPTIONS) private readonly options: ProjectionOptions,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.options.run(this.config)) return;
    this.running = this.runner.run(this.stop.signal);
    this.logger.log('following the event log');
  }

  async onApplicationShutdown(): Promise<void> {
    this.stop.abort();
    await this.running;
  }
}

/** The receipts projection: event log -> read models -> pushes. */
@Module({})
export class ProjectionModule {
  static forRoot(options: ProjectionOptions): DynamicModule {
    return {
      module: ProjectionModule,
      providers: [
        { provide: PROJECTION_OPTIONS, useValue: options },
        {
          provide: ReceiptQueryService,
          inject: [READ_STORE],
          useFactory: (reads: ReadStore) => new ReceiptQueryService(reads),
        },
        {
          provide: ProjectionRunner,
          inject: [
            EVENT_STORE,
            READ_STORE,
            ReceiptMetrics,
            ReceiptQueryService,
            RECEIPTS_CONFIG,
            { token: PUSH_CHANNEL, optional: true },
          ],
          useFactory: (
            events: EventStore,
            reads: ReadStore,
            metrics: ReceiptMetrics,
            queries: ReceiptQueryService,
            config: ReceiptsConfig,
            push: PushChannel | undefined,
          ) => {
            const logger = new Logger('Projector');
            const notifier = push ? new ReceiptNotifier(reads, queries, push, metrics) : null;
            return new ProjectionRunner(events, reads, metrics, notifier, {
              projection: RECEIPTS_PROJECTION,
              batchSize: config.RECEIPTS_PROJECTOR_BATCH,
              backoffMs: 100,
              maxBackoffMs: 10_000,
              onError: (error) => logger.error(error),
            });
          },
        },
        ProjectionHost,
      ],
      exports: [ProjectionRunner, ReceiptQueryService],
    };
  }
}
