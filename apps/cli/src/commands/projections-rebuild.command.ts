import { Inject } from '@nestjs/common';
import { CommandRunner, Option, SubCommand } from 'nest-commander';
import { LiveRebuild, RebuildRefused, type RebuildShadow } from '@receipts/application';
import { EVENT_STORE, type EventStore } from '@receipts/event-store';
import { RECEIPTS_PROJECTION } from '@receipts/read-models';
import {
  MongoReadStore,
  MongoRebuildShadow,
  READ_STORE,
  type ReadStore,
  SqliteReadStore,
  SqliteRebuildShadow,
} from '@receipts/read-store';
import { failed, found, printJson, progressBar } from './projections.output';
import { projectionNamed } from './projection-name';

type Options = { json?: boolean; all?: boolean; batch?: number };

@SubCommand({
  name: 'rebuild',
  arguments: '[name]',
  description:
    'Replay the log into a copy while the live models keep serving, then switch atomically at the live checkpoint',
})
export class ProjectionsRebuildCommand extends CommandRunner {
  constructor(
    @Inject(EVENT_STORE) private readonly events: EventStore,
    @Inject(READ_STORE) private readonly reads: ReadStore,
  ) {
    super();
  }

  async run(
    [name]: string[],
    { json = false, all = false, batch = 5_000 }: Options,
  ): Promise<void> {
    const bar = progressBar(json, 'rebuild');
    try {
      if (all && name !== undefined) throw new Error('name one projection, or --all');
      const projections =
        all || name === undefined ? [RECEIPTS_PROJECTION] : [projectionNamed(name)];
      const results = [];
      for (const projection of projections) {
        const started = Date.now();
        const rebuild = new LiveRebuild(this.events, this.reads, this.shadow(), {
          projection,
          batchSize: batch,
          onProgress: ({ position, target, events }) => bar.update(position, target, events),
        });
        const result = await rebuild.run();
        bar.stop();
        const seconds = (Date.now() - started) / 1000;
        results.push({ ...result, seconds });
        if (!json) {
          console.log(
            `${projection}: rebuilt from ${result.events} events in ${seconds.toFixed(1)} s; ` +
              `switched in at position ${result.at}, where the live projector goes on`,
          );
        }
      }
      if (json) printJson(results);
    } catch (error) {
      bar.stop();
      if (error instanceof RebuildRefused) {
        console.error(error.message);
        found();
      } else failed(error);
    }
  }

  private shadow(): RebuildShadow {
    if (this.reads instanceof SqliteReadStore) return new SqliteRebuildShadow(this.reads);
    if (this.reads instanceof MongoReadStore) return new MongoRebuildShadow(this.reads);
    throw new Error('this read-model store has no rebuild copy');
  }

  @Option({ flags: '--batch <events>', description: 'Events per replayed transaction (5000)' })
  parseBatch(value: string): number {
    const events = Number(value);
    if (!Number.isInteger(events) || events < 1) {
      throw new Error(`--batch takes a whole number of events above 0, not "${value}"`);
    }
    return events;
  }

  @Option({ flags: '--all', description: 'Every projection' })
  parseAll(): boolean {
    return true;
  }

  @Option({ flags: '--json', description: 'Print one JSON document for scripts' })
  parseJson(): boolean {
    return true;
  }
}
