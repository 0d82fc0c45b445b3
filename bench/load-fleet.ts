import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import type { AnsweredSamples, LoadReport, PhaseResult, RunCommand } from './load/protocol';
import { Histogram } from './load/stats';

export type FleetOptions = {
  url: string;
  processes: number;
  usersPerProcess: number;
  extraArgs?: readonly string[];
};

export type MergedResult = {
  phase: string;
  measuredSeconds: number;
  perProcess: PhaseResult[];
  transitions: PhaseResult['transitions'];
  registrations: number;
  registrationErrors: number;
  acks: PhaseResult['acks'];
  pushes: PhaseResult['pushes'];
  shortfall: number;
  drained: boolean;
  ackDurable: Histogram;
  pushDelivered: Histogram;
  pushRead: Histogram;
  push: Histogram;
  registration: Histogram;
  batchWait: Histogram;
  byKind: Map<string, { ack: Histogram; push: Histogram }>;
  generatorCpuPercent: number[];
};

/** The load processes of one target (service or relay), started with fork; each is stopped by its own pid. */
export class LoadFleet {
  private readonly children: ChildProcess[] = [];
  devices = 0;
  users = 0;
  transitionsPerMessage = 0;

  constructor(private readonly options: FleetOptions) {}

  async start(runTag: string): Promise<void> {
    const script = join(__dirname, 'load', 'generator.js');
    for (let p = 0; p < this.options.processes; p++) {
      const args = [
        '--url',
        this.options.url,
        '--tag',
        `${runTag}p${p}`,
        '--users',
        String(this.options.usersPerProcess),
        '--seed',
        String(p + 1),
        ...(this.options.extraArgs ?? []),
      ];
      this.children.push(fork(script, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    }
    const ready = await Promise.all(this.children.map((c) => next(c, 'ready')));
    for (const r of ready) {
      this.devices += r.devices;
      this.users += r.users;
      this.transitionsPerMessage = r.transitionsPerMessage;
    }
  }

  /** Runs one phase on every load process at once and merges what they measured. */
  async run(
    command: Omit<RunCommand, 'type' | 'transitionsPerSecond'> & { transitionsPerSecond: number },
  ): Promise<MergedResult> {
    const share = command.transitionsPerSecond / this.children.length;
    const results = await Promise.all(
      this.children.map((child) => {
        const answer = next(child, 'result');
        child.send({ ...command, type: 'run', transitionsPerSecond: share });
        return answer;
      }),
    );
    return merge(results.map((r) => r.result));
  }

  async stop(): Promise<{ maxRssMb: number[]; samples: AnsweredSamples }> {
    const stopped = await Promise.all(
      this.children.map((child) => {
        const answer = next(child, 'stopped');
        child.send({ type: 'stop' });
        return answer;
      }),
    );
    await Promise.all(
      this.children
        .filter((c) => c.exitCode === null)
        .map((c) => new Promise((resolve) => c.once('exit', resolve))),
    );
    return {
      maxRssMb: stopped.map((s) => s.maxRssKb / 1024),
      samples: {
        delivered: stopped.flatMap((s) => s.samples.delivered),
        reads: stopped.flatMap((s) => s.samples.reads),
      },
    };
  }

  /** Last resort on an error: kills the load processes this fleet started, by pid. */
  kill(): void {
    for (const child of this.children) if (child.exitCode === null) child.kill('SIGKILL');
  }
}

type ReportOf<T extends LoadReport['type']> = Extract<LoadReport, { type: T }>;

const next = <T extends LoadReport['type']>(child: ChildProcess, type: T): Promise<ReportOf<T>> =>
  new Promise((resolve, reject) => {
    const onMessage = (message: LoadReport) => {
      if (message.type === 'error') {
        cleanup();
        reject(new Error(`load process: ${message.message}`));
      } else if (message.type === type) {
        cleanup();
        resolve(message as ReportOf<T>);
      }
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`load process exited (${String(code)}) while waiting for '${type}'`));
    };
    const cleanup = () => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });

const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);

const merge = (results: PhaseResult[]): MergedResult => {
  const histogram = (pick: (r: PhaseResult) => PhaseResult['histograms']['ackDurable']) =>
    results.reduce((h, r) => h.merge(pick(r)), new Histogram());
  const errors: Record<string, number> = {};
  for (const r of results)
    for (const [code, n] of Object.entries(r.acks.errors)) errors[code] = (errors[code] ?? 0) + n;
  return {
    phase: results[0]?.phase ?? '',
    measuredSeconds: results[0]?.measuredSeconds ?? 0,
    perProcess: results,
    transitions: {
      delivered: sum(results.map((r) => r.transitions.delivered)),
      readAck: sum(results.map((r) => r.transitions.readAck)),
      readBySend: sum(results.map((r) => r.transitions.readBySend)),
    },
    registrations: sum(results.map((r) => r.registrations)),
    registrationErrors: sum(results.map((r) => r.registrationErrors)),
    acks: {
      delivered: sum(results.map((r) => r.acks.delivered)),
      read: sum(results.map((r) => r.acks.read)),
      duplicates: sum(results.map((r) => r.acks.duplicates)),
      frames: sum(results.map((r) => r.acks.frames)),
      items: sum(results.map((r) => r.acks.items)),
      errors,
    },
    pushes: {
      delivered: sum(results.map((r) => r.pushes.delivered)),
      read: sum(results.map((r) => r.pushes.read)),
      readSync: sum(results.map((r) => r.pushes.readSync)),
    },
    shortfall: sum(results.map((r) => r.shortfall)),
    drained: results.every((r) => r.drained),
    ackDurable: histogram((r) => r.histograms.ackDurable),
    pushDelivered: histogram((r) => r.histograms.pushDelivered),
    pushRead: histogram((r) => r.histograms.pushRead),
    push: histogram((r) => r.histograms.pushDelivered).merge(
      results.flatMap((r) => r.histograms.pushRead),
    ),
    registration: histogram((r) => r.histograms.registration),
    batchWait: histogram((r) => r.histograms.batchWait),
    byKind: mergeByKind(results),
    generatorCpuPercent: results.map((r) => Math.round(r.cpuPercent)),
  };
};

const mergeByKind = (results: PhaseResult[]): Map<string, { ack: Histogram; push: Histogram }> => {
  const merged = new Map<string, { ack: Histogram; push: Histogram }>();
  for (const r of results) {
    for (const [kind, h] of Object.entries(r.histograms.byKind)) {
      const into = merged.get(kind) ?? { ack: new Histogram(), push: new Histogram() };
      merged.set(kind, into);
      into.ack.merge(h.ack);
      into.push.merge(h.push);
    }
  }
  return merged;
};
