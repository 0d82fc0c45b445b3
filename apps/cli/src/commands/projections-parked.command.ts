import { Inject } from '@nestjs/common';
import { CommandRunner, Option, SubCommand } from 'nest-commander';
import { retryParked } from '@receipts/application';
import { EVENT_STORE, type EventStore } from '@receipts/event-store';
import { READ_STORE, type ReadStore } from '@receipts/read-store';
import { failed, found, printJson, printRows } from './projections.output';
import { projectionNamed } from './projection-name';

type Options = { json?: boolean; all?: boolean; projection?: string };

@SubCommand({
  name: 'parked',
  arguments: '[name]',
  description: 'List the events the projection set aside, in log order; exit 1 when there are any',
})
export class ProjectionsParkedCommand extends CommandRunner {
  constructor(@Inject(READ_STORE) private readonly reads: ReadStore) {
    super();
  }

  async run([name]: string[], { json = false }: Options): Promise<void> {
    try {
      const parked = await this.reads.parkedEvents(projectionNamed(name));
      if (json) printJson(parked);
      else if (parked.length === 0) console.log('no parked events');
      else
        printRows(
          parked.map((p) => ({
            position: String(p.position),
            type: p.type,
            stream: p.stream,
            schema_version: p.schemaVersion,
            parked_at: p.parkedAt,
            reason: p.reason,
          })),
        );
      if (parked.length > 0) found();
    } catch (error) {
      failed(error);
    }
  }

  @Option({ flags: '--json', description: 'Print one JSON document for scripts' })
  parseJson(): boolean {
    return true;
  }
}

@SubCommand({
  name: 'retry',
  arguments: '[position]',
  description:
    'Apply parked events again after a fix, in log order (one position, or --all); exit 1 when one still fails',
})
export class ProjectionsRetryCommand extends CommandRunner {
  constructor(
    @Inject(EVENT_STORE) private readonly events: EventStore,
    @Inject(READ_STORE) private readonly reads: ReadStore,
  ) {
    super();
  }

  async run([position]: string[], options: Options): Promise<void> {
    try {
      const { json = false, all = false } = options;
      if (all === (position !== undefined)) {
        throw new Error('name one parked position, or --all');
      }
      if (position !== undefined && !/^\d+$/.test(position)) {
        throw new Error(`"${position}" is not a log position (digits only)`);
      }
      const projection = projectionNamed(options.projection);
      const outcomes = await retryParked(
        this.events,
        this.reads,
        projection,
        position === undefined ? null : [BigInt(position)],
      );
      if (position !== undefined && outcomes.length === 0) {
        throw new Error(`no event is parked at position ${position}`);
      }
      if (json) printJson(outcomes);
      else if (outcomes.length === 0) console.log('no parked events');
      else
        printRows(
          outcomes.map((o) => ({
            position: String(o.position),
            type: o.type,
            outcome: o.outcome,
            reason: o.reason ?? null,
          })),
        );
      if (outcomes.some((o) => o.outcome !== 'applied')) found();
    } catch (error) {
      failed(error);
    }
  }

  @Option({ flags: '--all', description: 'Every parked event, in log order' })
  parseAll(): boolean {
    return true;
  }

  @Option({ flags: '--projection <name>', description: 'The projection (default: receipts)' })
  parseProjection(name: string): string {
    return name;
  }

  @Option({ flags: '--json', description: 'Print one JSON document for scripts' })
  parseJson(): boolean {
    return true;
  }
}
