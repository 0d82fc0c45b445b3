import { Inject } from '@nestjs/common';
import { Command, CommandRunner } from 'nest-commander';
import { EVENT_STORE, type EventStore } from '@receipts/event-store';
import { PROJECTED_EVENT_TYPES, RECEIPTS_PROJECTION } from '@receipts/read-models';
import { READ_STORE, type ReadStore } from '@receipts/read-store';
import { RepairCommand } from './repair.command';
import { VerifyCommand } from './verify.command';

/** The projections this service maintains, and where each stands against the log's head. */
export const PROJECTIONS = [
  {
    name: RECEIPTS_PROJECTION,
    readModels: ['messages', 'recipient receipts', 'read cursors and steps', 'user unread totals'],
    handles: [...PROJECTED_EVENT_TYPES],
  },
] as const;

@Command({
  name: 'projections',
  description: 'List projections with their checkpoint and lag',
  subCommands: [VerifyCommand, RepairCommand],
})
export class ProjectionsCommand extends CommandRunner {
  constructor(
    @Inject(EVENT_STORE) private readonly events: EventStore,
    @Inject(READ_STORE) private readonly reads: ReadStore,
  ) {
    super();
  }

  async run(): Promise<void> {
    const head = await this.logHead();
    const rows = await Promise.all(
      PROJECTIONS.map(async (p) => {
        const checkpoint = await this.reads.loadCheckpoint(p.name);
        return {
          projection: p.name,
          checkpoint: checkpoint === null ? 'none' : String(checkpoint),
          logHead: String(head),
          behind: checkpoint === null ? 'all' : String(head > checkpoint ? head - checkpoint : 0n),
          handles: p.handles.join(', '),
          readModels: p.readModels.join(', '),
        };
      }),
    );
    console.table(rows);
  }

  /** The last position in the log, found by paging forward from the start in large pages. */
  private async logHead(): Promise<bigint> {
    let head = 0n;
    for (;;) {
      const page = await this.events.readAll({ after: head, maxCount: 10_000 });
      const last = page.at(-1);
      if (!last) return head;
      head = last.position;
    }
  }
}
