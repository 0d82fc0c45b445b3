import { Inject } from '@nestjs/common';
import { CommandRunner, Option, SubCommand } from 'nest-commander';
import { ProjectionAudit } from '@receipts/application';
import { EVENT_STORE, type EventStore } from '@receipts/event-store';
import { READ_STORE, type ReadStore } from '@receipts/read-store';
import { failed, printJson, replayProgress } from './cli-output';
import { verificationJson, verificationLines } from './drift-report';
import { projectionNamed } from './projection-name';

type Options = { json?: boolean };

@SubCommand({
  name: 'verify',
  arguments: '[name]',
  description:
    'Replay the log to the live checkpoint and compare document by document; exit 1 on drift',
})
export class VerifyCommand extends CommandRunner {
  constructor(
    @Inject(EVENT_STORE) private readonly events: EventStore,
    @Inject(READ_STORE) private readonly reads: ReadStore,
  ) {
    super();
  }

  async run([name]: string[], { json = false }: Options): Promise<void> {
    const progress = replayProgress(json, 'replay');
    try {
      const audit = new ProjectionAudit(this.events, this.reads, projectionNamed(name), {
        onProgress: progress.update,
      });
      const verification = await audit.verify();
      progress.stop();
      if (json) printJson(verificationJson(verification));
      else for (const line of verificationLines(verification)) console.log(line);
      if (verification.drifted.length > 0) process.exitCode = 1;
    } catch (error) {
      progress.stop();
      failed(error);
    }
  }

  @Option({ flags: '--json', description: 'Print one JSON document for scripts' })
  parseJson(): boolean {
    return true;
  }
}
