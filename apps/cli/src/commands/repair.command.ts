import { Inject } from '@nestjs/common';
import { userInfo } from 'node:os';
import { CommandRunner, Option, SubCommand } from 'nest-commander';
import { ProjectionAudit, type Repair } from '@receipts/application';
import { EVENT_STORE, type EventStore } from '@receipts/event-store';
import { READ_STORE, type ReadStore } from '@receipts/read-store';
import { failed, printJson, replayProgress } from './cli-output';
import { describe, documentJson, verificationJson, verificationLines } from './drift-report';
import { projectionNamed } from './projection-name';

type Options = { json?: boolean; operator?: string };

@SubCommand({
  name: 'repair',
  arguments: '[name]',
  description:
    'Write the replayed version of exactly the drifted documents (delete extra ones), record the repair',
})
export class RepairCommand extends CommandRunner {
  constructor(
    @Inject(EVENT_STORE) private readonly events: EventStore,
    @Inject(READ_STORE) private readonly reads: ReadStore,
  ) {
    super();
  }

  async run([name]: string[], { json = false, operator }: Options): Promise<void> {
    const progress = replayProgress(json, 'replay');
    try {
      const audit = new ProjectionAudit(this.events, this.reads, projectionNamed(name), {
        onProgress: progress.update,
      });
      const repair = await audit.repair(operator ?? osUser(), () => new Date());
      progress.stop();
      if (json) printJson(repairJson(repair));
      else for (const line of repairLines(repair)) console.log(line);
      if (repair.after.drifted.length > 0) process.exitCode = 1;
    } catch (error) {
      progress.stop();
      failed(error);
    }
  }

  @Option({ flags: '--json', description: 'Print one JSON document for scripts' })
  parseJson(): boolean {
    return true;
  }

  @Option({
    flags: '--operator <name>',
    description: 'Who repairs, as the repair record says (default: the OS user)',
  })
  parseOperator(value: string): string {
    return value;
  }
}

const osUser = (): string => {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
};

const repairJson = ({ verification, record, after, attempts }: Repair) => ({
  ...verificationJson(verification),
  repaired: record ? verification.drifted.map(documentJson) : [],
  record,
  attempts,
  afterwards: { checkpoint: after.checkpoint, drifted: after.drifted.length },
});

const repairLines = ({ verification, record, after }: Repair): string[] => {
  if (!record) return verificationLines(verification).concat('nothing to repair');
  const lines = verificationLines(verification).filter(
    (l) => l !== 'examples:' && !l.startsWith('  '),
  );
  lines.push(`repaired ${verification.drifted.length} documents:`);
  for (const d of verification.drifted) lines.push(`  ${describe(d)}`);
  const counts = Object.entries(record.documents)
    .map(([model, n]) => `${model} ${n}`)
    .join(', ');
  lines.push(
    `recorded: repair by ${record.operator} at ${record.repairedAt}, checkpoint ${record.checkpoint ?? 'none'} (${counts})`,
  );
  lines.push(
    after.drifted.length === 0
      ? `verified afterwards: no drift at checkpoint ${after.checkpoint ?? 'none'}`
      : `verified afterwards: ${after.drifted.length} documents still drift (run repair again)`,
  );
  return lines;
};
