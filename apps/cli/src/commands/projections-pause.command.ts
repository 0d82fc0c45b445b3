import { Inject } from '@nestjs/common';
import { CommandRunner, Option, SubCommand } from 'nest-commander';
import { READ_STORE, type ProjectionState, type ReadStore } from '@receipts/read-store';
import { failed, printJson } from './projections.output';
import { projectionNamed } from './projection-name';

type Options = { json?: boolean };

/** Sets the state in the control record; every runner of the projection reads it between batches. */
abstract class SetStateCommand extends CommandRunner {
  protected abstract readonly state: ProjectionState;

  constructor(@Inject(READ_STORE) private readonly reads: ReadStore) {
    super();
  }

  async run([name]: string[], { json = false }: Options): Promise<void> {
    try {
      const projection = projectionNamed(name);
      const at = new Date();
      await this.reads.setState(projection, this.state, at);
      if (json) printJson({ projection, state: this.state, at: at.toISOString() });
      else
        console.log(
          this.state === 'paused'
            ? `${projection}: paused; the projector stops after the batch it is applying`
            : `${projection}: running; the projector follows the log from its checkpoint`,
        );
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
  name: 'pause',
  arguments: '[name]',
  description: 'Hold the projection where it stands (reads are served; ACKs are taken)',
})
export class ProjectionsPauseCommand extends SetStateCommand {
  protected readonly state = 'paused';
}

@SubCommand({
  name: 'resume',
  arguments: '[name]',
  description: 'Let a paused projection follow the log again',
})
export class ProjectionsResumeCommand extends SetStateCommand {
  protected readonly state = 'running';
}
