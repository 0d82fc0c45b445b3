import { Inject } from '@nestjs/common';
import { CommandRunner, Option, SubCommand } from 'nest-commander';
import { type ProjectionReport, reportProjection } from '@receipts/application';
import { EVENT_STORE, type EventStore } from '@receipts/event-store';
import { RECEIPTS_PROJECTION } from '@receipts/read-models';
import { READ_STORE, type ReadStore } from '@receipts/read-store';
import { type Row, failed, found, printJson, printRows } from './projections.output';
import { projectionNamed } from './projection-name';

type Options = { json?: boolean };

/** Each projection's checkpoint against the log's head, its lag, state and parked events. */
@SubCommand({
  name: 'status',
  arguments: '[name]',
  description:
    'Checkpoint, log head, lag in events and seconds, state, parked events and last error; exit 1 when events are parked',
  options: { isDefault: true },
})
export class ProjectionsStatusCommand extends CommandRunner {
  constructor(
    @Inject(EVENT_STORE) private readonly events: EventStore,
    @Inject(READ_STORE) private readonly reads: ReadStore,
  ) {
    super();
  }

  async run([name]: string[], { json = false }: Options): Promise<void> {
    try {
      const names = name === undefined ? [RECEIPTS_PROJECTION] : [projectionNamed(name)];
      const reports = await Promise.all(
        names.map((p) => reportProjection(this.events, this.reads, p)),
      );
      if (json) printJson(reports);
      else printRows(reports.map(statusRow));
      if (reports.some((r) => r.parked > 0)) found();
    } catch (error) {
      failed(error);
    }
  }

  @Option({ flags: '--json', description: 'Print one JSON document for scripts' })
  parseJson(): boolean {
    return true;
  }
}

const statusRow = (r: ProjectionReport): Row => ({
  projection: r.projection,
  checkpoint: r.checkpoint === null ? 'none' : String(r.checkpoint),
  head: r.head === null ? 'empty' : String(r.head),
  lag_events: `${r.lagEvents}${r.lagCapped ? '+' : ''}`,
  lag_seconds: Number(r.lagSeconds.toFixed(1)),
  state: r.state,
  parked: r.parked,
  last_error: r.lastError,
  last_error_at: r.lastErrorAt,
});
