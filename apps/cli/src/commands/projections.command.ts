import { Command, CommandRunner } from 'nest-commander';
import { PROJECTED_EVENT_TYPES, RECEIPTS_PROJECTION } from '@receipts/read-models';
import { RepairCommand } from './repair.command';
import { VerifyCommand } from './verify.command';
import { ProjectionsParkedCommand, ProjectionsRetryCommand } from './projections-parked.command';
import { ProjectionsPauseCommand, ProjectionsResumeCommand } from './projections-pause.command';
import { ProjectionsRebuildCommand } from './projections-rebuild.command';
import { ProjectionsStatusCommand } from './projections-status.command';

/** The projections this service maintains. */
export const PROJECTIONS = [
  {
    name: RECEIPTS_PROJECTION,
    readModels: ['messages', 'recipient receipts', 'read cursors and steps', 'user unread totals'],
    handles: [...PROJECTED_EVENT_TYPES],
  },
] as const;

export const PROJECTION_SUBCOMMANDS = [
  ProjectionsStatusCommand,
  ProjectionsPauseCommand,
  ProjectionsResumeCommand,
  ProjectionsParkedCommand,
  ProjectionsRetryCommand,
  ProjectionsRebuildCommand,
  VerifyCommand,
  RepairCommand,
];

/** `projections` alone is `projections status` (its default subcommand). */
@Command({
  name: 'projections',
  description:
    'Operate the projections: status, pause, resume, parked, retry, rebuild, verify, repair',
  subCommands: PROJECTION_SUBCOMMANDS,
})
export class ProjectionsCommand extends CommandRunner {
  run(): Promise<void> {
    // commander runs the default subcommand (status) instead; nothing is left to do here.
    return Promise.resolve();
  }
}
