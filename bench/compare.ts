/**
 * Two builds of the service under the same load, alternated: a change's effect on CPU per
 * transition and on latency, with the host's drift spread over both. Each run starts one build's
 * service on a fresh data dir, connects the benchmark's population (2 load processes, 5,040
 * devices, the SDK's 250 ms window), holds a paced rate, then saturates; the load processes are this
 * checkout's for both builds.
 *
 * Usage: node dist/bench/compare.js [--other <the other checkout's dist>] [--rate 900]
 *        [--seconds 20] [--rounds 3] [--env K=V]... [--other-env K=V]... [--profile]
 * --env and --other-env give each side settings of its own: with --other-env and no --other,
 * the two sides are this build with two settings. With neither it runs this build alone.
 * --profile runs this build under `node --cpu-prof` and prints, per run, where its paced
 * phase's time went (the profiler costs CPU: compare builds without it). Prints one row per
 * run, the medians per build, and a JSON line.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { int, ms, pair, table } from './format';
import { LoadFleet } from './load-fleet';
import { DEFAULT_BATCH_WINDOW_MS } from './load/protocol';
import { measurePhase } from './phases';
import { freePort, serviceEnv, settingsOf, spawnNode, waitReady } from './processes';
import { summarizeProfiles } from './profile';
import { type PhaseSummary, renderProfile } from './report';

function collect(value: string, all: string[]): string[] {
  return [...all, value];
}

const opts = new Command()
  .option('--other <dist>', "the other build's dist directory (for example ../base/dist)")
  .option('--rate <t/s>', 'the paced phase offered rate', (v) => Number(v), 900)
  .option('--seconds <s>', 'length of each measured phase', (v) => Number(v), 20)
  .option('--rounds <n>', 'runs per build, alternated', (v) => Number(v), 3)
  .option('--env <K=V>', "a setting for this build's service (repeatable)", collect, [])
  .option('--other-env <K=V>', "a setting for the other side's service (repeatable)", collect, [])
  .option('--profile', 'run this build under node --cpu-prof; summarise its paced phase')
  .option('--profile-dir <dir>', 'with --profile: keep the .cpuprofile files there, one per run')
  .parse()
  .opts<{
    other?: string;
    rate: number;
    seconds: number;
    rounds: number;
    env: string[];
    otherEnv: string[];
    profile?: boolean;
    profileDir?: string;
  }>();

type Side = Readonly<{ build: string; dist: string; env: Record<string, string> }>;

type Run = { build: string; round: number; paced: PhaseSummary; max: PhaseSummary };

const log = (line: string) =>
  console.error(`[compare ${new Date().toISOString().slice(11, 19)}] ${line}`);

const runOnce = async ({ build, dist, env }: Side, round: number): Promise<Run> => {
  const root = mkdtempSync(join(tmpdir(), 'receipts-compare-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const profileDir =
    opts.profile && build === 'this'
      ? join(opts.profileDir ? resolve(opts.profileDir) : root, `profile-${round}`)
      : null;
  const startedAt = performance.now();
  const service = spawnNode(
    join(dist, 'apps', 'api', 'src', 'main.js'),
    [],
    { ...serviceEnv(join(root, 'service'), port), ...env },
    profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
  );
  const fleet = new LoadFleet({
    url,
    processes: 2,
    usersPerProcess: 2100,
    extraArgs: ['--ack-shape', 'frame'],
  });
  let fleetStopped = false;
  try {
    await waitReady(`${url}/health/ready`, service);
    await fleet.start(`cmp${round}${build}`);
    log(`${build} round ${round}: ${fleet.devices} devices connected`);
    const target = { url, pid: service.pid, dataDir: join(root, 'service') };
    const phase = (mode: 'paced' | 'saturate') =>
      measurePhase(
        fleet,
        target,
        {
          phase: `${build} ${mode}`,
          mode,
          offered: mode === 'paced' ? opts.rate : 0,
          perMessage: mode === 'paced' ? fleet.transitionsPerMessage : 0,
          windowMs: DEFAULT_BATCH_WINDOW_MS,
          warmupS: 3,
          measureS: opts.seconds,
        },
        log,
      );
    const pacedFromMs = performance.now() - startedAt + 3000;
    const paced = await phase('paced');
    const max = await phase('saturate');
    if (profileDir) {
      // Under --cpu-prof the service writes its profile when it exits, after its clients left.
      fleetStopped = true;
      await fleet.stop();
      await service.stop('SIGTERM', 60_000);
      const window = { fromMs: pacedFromMs, toMs: pacedFromMs + opts.seconds * 1000 };
      const profile = summarizeProfiles(profileDir, 25, window);
      if (profile)
        console.log(`${renderProfile(profile, `${build}'s paced phase, round ${round}`)}\n`);
    }
    return { build, round, paced, max };
  } finally {
    if (!fleetStopped) await fleet.stop();
    await service.stop();
    rmSync(root, { recursive: true, force: true });
  }
};

const microsPerTransition = (p: PhaseSummary) =>
  ((p.serviceCpuPercent ?? 0) * 1e4) / Math.max(1, p.transitionsPerSecond);

const row = (r: Run): string[] => [
  r.build,
  String(r.round),
  int(r.paced.transitionsPerSecond),
  `${(r.paced.serviceCpuPercent ?? 0).toFixed(0)}%`,
  int(microsPerTransition(r.paced)),
  pair(r.paced.pushMs),
  pair(r.paced.ackDurableMs),
  int(r.max.transitionsPerSecond),
  `${(r.max.serviceCpuPercent ?? 0).toFixed(0)}%`,
  int(microsPerTransition(r.max)),
  pair(r.max.pushMs),
];

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const main = async (): Promise<void> => {
  const here = join(__dirname, '..');
  const builds: Side[] = [
    { build: 'this', dist: here, env: settingsOf(opts.env) },
    ...(opts.other || opts.otherEnv.length > 0
      ? [
          {
            build: 'other',
            dist: opts.other ? resolve(opts.other) : here,
            env: settingsOf(opts.otherEnv),
          },
        ]
      : []),
  ];
  const runs: Run[] = [];
  for (let round = 1; round <= opts.rounds; round++) {
    // Alternate which build goes first, so that neither always runs on a warmer host.
    const order = round % 2 ? builds : [...builds].reverse();
    for (const side of order) runs.push(await runOnce(side, round));
  }
  const header = [
    'build',
    'round',
    `paced t/s (offered ${opts.rate})`,
    'CPU',
    'µs/transition',
    'push p50 / p99 ms',
    'durable p50 / p99 ms',
    'max t/s',
    'CPU',
    'µs/transition',
    'push p50 / p99 ms',
  ];
  console.log(table(header, runs.map(row)));
  console.log('\nmedians:');
  const medians = builds.map(({ build }) => {
    const mine = runs.filter((r) => r.build === build);
    const of = (f: (r: Run) => number) => median(mine.map(f));
    return {
      build,
      pacedMicrosPerTransition: of((r) => microsPerTransition(r.paced)),
      pacedPushP99Ms: of((r) => r.paced.pushMs.p99 ?? Number.NaN),
      pacedPushP50Ms: of((r) => r.paced.pushMs.p50 ?? Number.NaN),
      maxTransitionsPerSecond: of((r) => r.max.transitionsPerSecond),
      maxMicrosPerTransition: of((r) => microsPerTransition(r.max)),
    };
  });
  for (const m of medians) {
    console.log(
      `${m.build}: paced ${int(m.pacedMicrosPerTransition)} µs/transition, push p50 ${ms(m.pacedPushP50Ms)} p99 ${ms(m.pacedPushP99Ms)} ms; max ${int(m.maxTransitionsPerSecond)} t/s at ${int(m.maxMicrosPerTransition)} µs/transition`,
    );
  }
  console.log(JSON.stringify({ rate: opts.rate, seconds: opts.seconds, builds, runs, medians }));
};

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
