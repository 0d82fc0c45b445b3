import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { CommittedBatch, FollowingProjection, ProjectionStatus } from '@receipts/application';
import { type GlobalPosition, type SqliteEventStore, workerModule } from '@receipts/event-store';
import type {
  FromProjectionThread,
  ProjectionThreadData,
  ToProjectionThread,
} from './projection-thread.messages';

const WORKER = workerModule(__filename, 'projection.worker');
const RESTART_AFTER_MS = 1_000;

/**
 * The embedded projection on a thread of its own (`projection.worker.ts`): the read models are
 * folded and committed on a second core while this thread takes ACKs, and a long catch-up never
 * holds this thread's event loop. This thread keeps what needs its sockets and cache: each
 * committed batch's effects, in log order. A thread that dies is started again; it resumes from
 * the committed checkpoint.
 */
export class ProjectionThread implements FollowingProjection {
  private position: GlobalPosition | null = null;
  private running = false;

  constructor(
    private readonly data: ProjectionThreadData,
    private readonly events: SqliteEventStore,
    /** A committed batch's effects in this thread (`ProjectionEffects.committed`). */
    private readonly committed: (batch: CommittedBatch) => Promise<void>,
    private readonly onError: (error: unknown) => void,
  ) {}

  status(): ProjectionStatus {
    return { position: this.position, running: this.running };
  }

  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const exit = await this.runThread(signal);
      if (signal.aborted) break;
      this.onError(new Error(`The projection thread stopped (${exit}); starting it again`));
      await new Promise((resolve) => setTimeout(resolve, RESTART_AFTER_MS));
    }
  }

  private async runThread(signal: AbortSignal): Promise<string> {
    const worker = new Worker(WORKER.file, { workerData: this.data, execArgv: WORKER.execArgv });
    const send = (message: ToProjectionThread) => worker.postMessage(message);
    const stopAppended = this.events.onAppended(() => send({ kind: 'appended' }));
    const stop = () => send({ kind: 'stop' });
    signal.addEventListener('abort', stop, { once: true });
    let effects = Promise.resolve();
    worker.on('message', (message: FromProjectionThread) => {
      switch (message.kind) {
        case 'following':
          this.position = message.position;
          return;
        case 'committed': {
          const { batch } = message;
          this.position = batch.position;
          effects = effects
            .then(() => this.committed(batch))
            .catch(this.onError)
            .then(() => send({ kind: 'handled' }));
          return;
        }
        case 'error':
          return this.onError(new Error(message.message));
      }
    });
    let failure = '';
    worker.on('error', (error) => (failure = String(error)));
    this.running = true;
    try {
      const [code] = (await once(worker, 'exit')) as [number];
      return failure || `exit code ${code}`;
    } finally {
      this.running = false;
      stopAppended();
      signal.removeEventListener('abort', stop);
      await effects;
    }
  }
}
