import {
  type BeforeApplicationShutdown,
  type DynamicModule,
  Inject,
  Logger,
  Module,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import {
  type FollowingProjection,
  ProjectionEffects,
  ProjectionRunner,
  ReceiptMetrics,
  ReceiptNotifier,
  ReceiptQueryService,
} from '@receipts/application';
import { SUMMARY_CACHE, type SummaryCache } from '@receipts/cache';
import { EVENT_STORE, type EventStore, SqliteEventStore } from '@receipts/event-store';
import { RECEIPTS_PROJECTION } from '@receipts/read-models';
import { READ_STORE, type ReadStore, type UnreadRepair } from '@receipts/read-store';
import { PUSH_CHANNEL, type PushChannel } from '@receipts/realtime';
import { RECEIPTS_CONFIG, type ReceiptsConfig } from './config';
import { ProjectionThread } from './projection-thread/projection-thread';
import { throttledWarning } from './redis';
import { embeddedFile } from './stores.module';

const PROJECTION_OPTIONS = Symbol('ProjectionOptions');
/** The receipts projection this process follows the log with (`FollowingProjection`). */
export const PROJECTION = Symbol('Projection');
type ProjectionOptions = { run: (config: ReceiptsConfig) => boolean };

class ProjectionHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Projector');
  private readonly stop = new AbortController();
  private running: Promise<void> | null = null;

  constructor(
    @Inject(PROJECTION) private readonly runner: FollowingProjection,
    @Inject(RECEIPTS_CONFIG) private readonly config: ReceiptsConfig,
    @Inject(PROJECTION_OPTIONS) private readonly options: ProjectionOptions,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.options.run(this.config)) return;
    this.running = this.runner.run(this.stop.signal);
    this.logger.log('following the event log');
  }

  /** Stops before the shutdown hooks close the stores and Redis it writes and pushes to. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stop.abort();
    await this.running;
  }
}

/**
 * The receipts projection: event log -> read models -> cache invalidation -> pushes. Queries
 * read through the summary cache (RECEIPTS_CACHE_TTL_MS); pushes go out when a push channel is
 * provided (in the API process, or through Redis from the standalone projector).
 */
@Module({})
export class ProjectionModule {
  static forRoot(options: ProjectionOptions): DynamicModule {
    return {
      module: ProjectionModule,
      providers: [
        { provide: PROJECTION_OPTIONS, useValue: options },
        {
          provide: ReceiptQueryService,
          inject: [READ_STORE, SUMMARY_CACHE, RECEIPTS_CONFIG, ReceiptMetrics],
          useFactory: (
            reads: ReadStore,
            cache: SummaryCache,
            config: ReceiptsConfig,
            metrics: ReceiptMetrics,
          ) =>
            new ReceiptQueryService(reads, {
              cache,
              ttlMs: config.RECEIPTS_CACHE_TTL_MS,
              onLookup: (result) => metrics.cacheLookups.inc({ result }),
            }),
        },
        {
          provide: ProjectionEffects,
          inject: [
            ReceiptMetrics,
            ReceiptQueryService,
            RECEIPTS_CONFIG,
            { token: PUSH_CHANNEL, optional: true },
          ],
          useFactory: (
            metrics: ReceiptMetrics,
            queries: ReceiptQueryService,
            config: ReceiptsConfig,
            push: PushChannel | null | undefined,
          ) =>
            new ProjectionEffects(
              metrics,
              queries,
              push
                ? new ReceiptNotifier(
                    queries,
                    push,
                    metrics,
                    config.RECEIPTS_SYNC_MEMBER_DETAIL_MAX,
                  )
                : null,
              throttledWarning(
                new Logger('Projector'),
                'cache not invalidated (its TTL bounds staleness)',
              ),
            ),
        },
        {
          provide: PROJECTION,
          inject: [EVENT_STORE, READ_STORE, ProjectionEffects, RECEIPTS_CONFIG, ReceiptMetrics],
          useFactory: (
            events: EventStore,
            reads: ReadStore,
            effects: ProjectionEffects,
            config: ReceiptsConfig,
            metrics: ReceiptMetrics,
          ): FollowingProjection => {
            const logger = new Logger('Projector');
            metrics.countParkedWith(() => reads.countParked(RECEIPTS_PROJECTION));
            const onParked = (p: {
              position: bigint;
              type: string;
              stream: string;
              reason: string;
            }) =>
              logger.warn(
                `parked the event at position ${p.position} (${p.type} in ${p.stream}): ${p.reason}; ` +
                  'the projection goes on without it until `projections retry`',
              );
            const reconcileEveryMs =
              config.RECEIPTS_PROJECTOR_RECONCILE_S > 0
                ? config.RECEIPTS_PROJECTOR_RECONCILE_S * 1000
                : undefined;
            const onReconciled = (repairs: readonly UnreadRepair[]) => {
              for (const repair of repairs) {
                metrics.driftRepaired.inc({ model: repair.model });
                logger.warn(`reconciliation fixed ${describeRepair(repair)}`);
              }
            };
            if (events instanceof SqliteEventStore && config.RECEIPTS_PROJECTOR === 'thread') {
              return new ProjectionThread(
                {
                  eventsFile: embeddedFile(config, 'events.sqlite'),
                  readModelsFile: embeddedFile(config, 'read-models.sqlite'),
                  feedRetention: config.RECEIPTS_FEED_RETENTION,
                  projection: RECEIPTS_PROJECTION,
                  batchSize: config.RECEIPTS_PROJECTOR_BATCH,
                  settleMs: config.RECEIPTS_PROJECTOR_SETTLE_MS,
                  pollIntervalMs: 25,
                  reconcileEveryMs,
                },
                events,
                (batch) => effects.committed(batch),
                (error) => logger.error(error),
                onParked,
                onReconciled,
              );
            }
            return new ProjectionRunner(events, reads, {
              projection: RECEIPTS_PROJECTION,
              batchSize: config.RECEIPTS_PROJECTOR_BATCH,
              settleMs: config.RECEIPTS_PROJECTOR_SETTLE_MS,
              backoffMs: 100,
              maxBackoffMs: 10_000,
              onError: (error) => logger.error(error),
              onCommitted: (batch) => effects.committed(batch),
              onParked: (event, reason) => onParked({ ...event, reason }),
              onPaused: (paused) => logger.log(paused ? 'paused' : 'following the log again'),
              reconcileEveryMs,
              onReconciled,
            });
          },
        },
        ProjectionHost,
      ],
      exports: [PROJECTION, ReceiptQueryService],
    };
  }
}

/** What a reconciliation found wrong, for the log. */
const describeRepair = (repair: UnreadRepair): string =>
  repair.model === 'read_cursors'
    ? `${repair.userId}'s unread in ${repair.conversationId}: it said ${repair.stored}, ` +
      `the receipts above the cursor count ${repair.recounted}`
    : `${repair.userId}'s total unread: it said ${repair.stored}, ` +
      `the conversations' unread add up to ${repair.recounted}`;
