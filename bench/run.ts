/**
 * The benchmark: `npm run bench` (full, ~16 min) or `npm run bench -- --quick` (about 2.5 min).
 * Starts the built service and the load processes as separate processes over 127.0.0.1, finds
 * the maximum throughput (closed-loop saturation), measures latency at 50% and 80% of it, soaks at
 * 50%, fits a CPU cost model (per frame, per transition) from two batching windows, and measures
 * the bare Socket.IO relay (same population, same frames, same cost phases) and the raw SQLite
 * append side by side. Prints a table and, last, one JSON line. Stops every process it started
 * and removes its temp data.
 */
import { Command } from 'commander';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { measureDocsPerRead } from './docs-per-read';
import { verifyAnswered, waitCaughtUp } from './data-files';
import { LoadFleet } from './load-fleet';
import { DEFAULT_BATCH_WINDOW_MS } from './load/protocol';
import { TRANSITION_SHARE } from './load/universe';
import { type CostPlan, costPhases, idleOf } from './cost-phases';
import { type PhaseSpec, type Measured, eventsPerTransitionOf, measurePhase } from './phases';
import { costRatios, fitCostModel } from './cost-model';
import { type Spawned, freePort, memoryOf, serviceEnv, spawnNode, waitReady } from './processes';
import { summarizeProfiles } from './profile';
import type { RebuildResult } from './rebuild';
import type { RawAppendResult } from './baseline/raw-append';
import { type BenchResult, renderReport, soakRssOf } from './report';
import { targetsOf } from './targets';

const opts = new Command()
  .option('--quick', 'short phases (under two minutes)')
  .option('--load-procs <n>', 'load generator processes', (v) => Number(v), 2)
  .option(
    '--users <n>',
    'simulated users per load process (1.2 devices each; conversations in proportion)',
    (v) => Number(v),
    2100,
  )
  .option(
    '--window-ms <ms>',
    "devices' batching window (default: the SDK's)",
    (v) => Number(v),
    DEFAULT_BATCH_WINDOW_MS,
  )
  .option(
    '--cost-windows <a,b>',
    'the two batching windows (ms) the CPU cost model is fitted to',
    (v) => v.split(',').map(Number),
    [20, 1000],
  )
  .option(
    '--cost-burst <n>',
    'cost phases: messages in a row per conversation, so that a longer window gathers more',
    (v) => Number(v),
    10,
  )
  .option(
    '--ack-shape <shape>',
    'frame: one receipt:ack per device per window; single: one receipt:delivered/read per ACK',
    'frame',
  )
  .option(
    '--paced-reference <t/s>',
    'the rate the 50% and 80% phases are shares of (default: the measured maximum); fixed, it compares latencies of two builds at the same offered load',
    (v) => Number(v),
  )
  .option('--profile', 'run the service under node --cpu-prof and summarise self time')
  .option('--soak <seconds>', 'soak length (default 300, or 20 with --quick)', (v) => Number(v))
  .option('--keep', 'keep the temp data directory')
  .option('--debug', 'load processes print their backlog every second')
  .option(
    '--trace-gc',
    'run the service with --trace-gc and report its live heap after full GCs during the soak',
  )
  .parse()
  .opts<{
    quick?: boolean;
    loadProcs: number;
    users: number;
    windowMs: number;
    costWindows: number[];
    costBurst: number;
    ackShape: string;
    pacedReference?: number;
    profile?: boolean;
    soak?: number;
    keep?: boolean;
    debug?: boolean;
    traceGc?: boolean;
  }>();

const plan = {
  ...(opts.quick
    ? { relay: 4, warmup: 2, max: 6, paced: 4, soak: 8, cost: 4, idle: 3, rawEvents: 100_000 }
    : {
        relay: 30,
        warmup: 10,
        max: 60,
        paced: 60,
        soak: 300,
        cost: 30,
        idle: 5,
        rawEvents: 300_000,
      }),
  ...(opts.soak === undefined ? {} : { soak: opts.soak }),
};

const ackShape = opts.ackShape === 'single' ? 'single' : 'frame';
const [costWindowA = 20, costWindowB = 1000] = opts.costWindows;

const costPlan: CostPlan = {
  windowsMs: [costWindowA, costWindowB],
  burst: opts.costBurst,
  warmupS: plan.warmup,
  measureS: plan.cost,
  idleS: plan.idle,
};

const root = mkdtempSync(join(tmpdir(), 'receipts-bench-'));
const spawned: Spawned[] = [];
const fleets: LoadFleet[] = [];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (line: string) =>
  console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);
const serviceMain = join(__dirname, '..', 'apps', 'api', 'src', 'main.js');
/** As `npm start` runs the service: V8's old generation bounded (docs/OPERATIONS.md, "Memory"). */
const SERVICE_NODE_ARGS = ['--max-old-space-size=512'];

/** Live heap after each full GC (Mark-Compact) of the service, from --trace-gc: [ms since start, MB]. */
const liveHeap: Array<[number, number]> = [];
const onGcLine = (line: string): void => {
  const gc = /Mark-Compact [\d.]+ \([\d.]+\) -> ([\d.]+) \(([\d.]+)\) MB/.exec(line);
  if (gc) liveHeap.push([performance.now(), Number(gc[1])]);
};

const startService = async (
  name: string,
  nodeArgs: string[] = [],
): Promise<{ process: Spawned; url: string; dataDir: string; startedAt: number }> => {
  const dataDir = join(root, name);
  const port = await freePort();
  const env = serviceEnv(dataDir, port);
  const startedAt = performance.now();
  const service = spawnNode(serviceMain, [], env, [...SERVICE_NODE_ARGS, ...nodeArgs], onGcLine);
  spawned.push(service);
  const url = `http://127.0.0.1:${port}`;
  await waitReady(`${url}/health/ready`, service);
  return { process: service, url, dataDir, startedAt };
};

const measure = (fleet: LoadFleet, target: Measured, spec: PhaseSpec, onTick?: () => void) =>
  measurePhase(fleet, target, spec, log, onTick);

const startFleet = async (url: string, tag: string): Promise<LoadFleet> => {
  const fleet = new LoadFleet({
    url,
    processes: opts.loadProcs,
    usersPerProcess: opts.users,
    extraArgs: ['--ack-shape', ackShape, ...(opts.debug ? ['--debug'] : [])],
  });
  fleets.push(fleet);
  await fleet.start(tag);
  return fleet;
};

/** Runs a built bench script as a child process and parses the JSON line it prints last. */
const runScript = async <T>(script: string, args: string[]): Promise<T> => {
  const child = spawnNode(join(__dirname, script), args, {});
  spawned.push(child);
  const code = await child.exited;
  const last = child.output().trim().split('\n').at(-1) ?? '';
  if (code !== 0) throw new Error(`${script} failed (${String(code)}):\n${child.output()}`);
  return JSON.parse(last) as T;
};

const copyDataDir = (from: string, to: string): void => {
  mkdirSync(to, { recursive: true });
  for (const base of ['events.sqlite', 'read-models.sqlite']) {
    for (const suffix of ['', '-wal']) {
      if (existsSync(join(from, base + suffix)))
        copyFileSync(join(from, base + suffix), join(to, base + suffix));
    }
  }
};

/** Rows written per read ACK, on a fresh service of its own. */
const docsPhase = async () => {
  log('docs written per read ACK: controlled ACKs on a fresh service');
  const docsService = await startService('docs');
  const docs = await measureDocsPerRead(docsService.url, docsService.dataDir, [5, 50, 500], 10);
  await docsService.process.stop();
  return docs;
};

/**
 * Baseline (a): the bare Socket.IO relay with the same population and frames: saturated, then
 * paced at the service's 50% rate (the SDK's window) and at the cost model's two windows.
 */
const relayPhase = async (tag: string, offered: number) => {
  log('baseline (a): bare Socket.IO relay');
  const port = await freePort();
  const relay = spawnNode(join(__dirname, 'baseline', 'relay-server.js'), [], {
    PORT: String(port),
    HOST: '127.0.0.1',
  });
  spawned.push(relay);
  const url = `http://127.0.0.1:${port}`;
  await waitReady(`${url}/health/ready`, relay);
  const fleet = await startFleet(url, `${tag}r`);
  const target = { url, pid: relay.pid, dataDir: null };
  const idle = await idleOf(fleet, target, 'relay', costPlan, log);
  const max = await measure(fleet, target, {
    phase: 'relay max',
    mode: 'saturate',
    offered: 0,
    perMessage: 0,
    windowMs: opts.windowMs,
    warmupS: plan.warmup,
    measureS: plan.relay,
  });
  const atServiceHalf = await measure(fleet, target, {
    phase: 'relay at service 50%',
    mode: 'paced',
    offered,
    perMessage: fleet.transitionsPerMessage,
    windowMs: opts.windowMs,
    warmupS: plan.warmup,
    measureS: plan.paced,
  });
  const cost = await costPhases(fleet, target, 'relay', offered, costPlan, log);
  await fleet.stop();
  const peakMb = memoryOf(relay.pid).peakMb;
  await relay.stop();
  return {
    phase: max,
    paced: [atServiceHalf, ...cost],
    cost: fitCostModel(cost, atServiceHalf, idle),
    peakMb,
  };
};

/** The service: max (saturation), 50%, 80%, soak at 50%, then the kill and the durability check. */
const servicePhases = async (tag: string) => {
  const profileDir = join(root, 'profile');
  const service = await startService('service', [
    ...(opts.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
    ...(opts.traceGc ? ['--trace-gc'] : []),
  ]);
  const { pid } = service.process;
  const target = { url: service.url, pid, dataDir: service.dataDir };
  const fleet = await startFleet(service.url, tag);
  log(
    `service ${service.url} (pid ${pid}); ${fleet.devices} devices of ${fleet.users} users connected`,
  );
  const idle = await idleOf(fleet, target, 'service', costPlan, log);

  const maxFromMs = performance.now() - service.startedAt + plan.warmup * 1000;
  const max = await measure(fleet, target, {
    phase: 'service max',
    mode: 'saturate',
    offered: 0,
    perMessage: 0,
    windowMs: opts.windowMs,
    warmupS: plan.warmup,
    measureS: plan.max,
  });
  const peakAtMaxMb = memoryOf(pid).peakMb;
  const perMessage = fleet.transitionsPerMessage;
  const reference = opts.pacedReference ?? max.transitionsPerSecond;
  const paced = (phase: string, share: number, measureS: number, onTick?: () => void) =>
    measure(
      fleet,
      target,
      {
        phase,
        mode: 'paced',
        offered: share * reference,
        perMessage,
        windowMs: opts.windowMs,
        warmupS: plan.warmup,
        measureS,
      },
      onTick,
    );
  const at50 = await paced('service 50%', 0.5, plan.paced);
  const at80 = await paced('service 80%', 0.8, plan.paced);
  const rss: number[] = [memoryOf(pid).rssMb];
  const soakFrom = performance.now();
  const soak = await paced('soak 50%', 0.5, plan.soak, () => rss.push(memoryOf(pid).rssMb));
  rss.push(memoryOf(pid).rssMb);
  const soakRss = soakRssOf(
    rss,
    5,
    liveHeap.filter(([at]) => at >= soakFrom).map(([, mb]) => mb),
  );
  const cost = await costPhases(fleet, target, 'service', at50.offered ?? 0, costPlan, log);

  // Durable before answered: kill the service under load (SIGKILL), then look for every sampled
  // answered ACK in the log. With --profile the load stops first and the service gets SIGTERM, so
  // that it writes its profile (under --cpu-prof it does not exit while clients stay connected).
  let peakMb = memoryOf(pid).peakMb;
  let load: Awaited<ReturnType<LoadFleet['stop']>>;
  if (opts.profile) {
    load = await fleet.stop();
    await waitCaughtUp(service.dataDir);
    peakMb = memoryOf(pid).peakMb;
    await service.process.stop('SIGTERM', 60_000);
  } else {
    log('SIGKILL to the service under 50% load');
    const crash = fleet.run({
      phase: 'crash',
      mode: 'paced',
      transitionsPerSecond: 0.5 * reference,
      transitionsPerMessage: perMessage,
      windowMs: opts.windowMs,
      burst: 1,
      warmupMs: 0,
      measureMs: 4000,
      drain: false,
    });
    await sleep(2500);
    peakMb = memoryOf(pid).peakMb;
    await service.process.stop('SIGKILL');
    await crash;
    load = await fleet.stop();
  }
  const answered = verifyAnswered(service.dataDir, load.samples);
  // The profile covers the whole life of the service; only the max phase's samples are summarised.
  const profile = opts.profile
    ? summarizeProfiles(profileDir, 25, { fromMs: maxFromMs, toMs: maxFromMs + plan.max * 1000 })
    : null;

  log('restarting the service on the same data to let the projector catch up (recovery)');
  const restartedAt = Date.now();
  const restarted = await startService('service');
  const caughtUp = await waitCaughtUp(restarted.dataDir);
  const recovery = { readyAndCaughtUpSeconds: (Date.now() - restartedAt) / 1000, caughtUp };
  await restarted.process.stop('SIGTERM');
  const durability = {
    killedWith: opts.profile ? 'SIGTERM' : 'SIGKILL',
    ...answered,
    recovery,
    ok: answered.missing === 0 && answered.checkedAcks > 0,
  };
  return {
    fleet,
    dataDir: service.dataDir,
    phases: { max, at50, at80, soak },
    costPhases: cost,
    cost: fitCostModel(cost, at50, idle),
    soakRss,
    peakAtMaxMb,
    peakMb,
    load,
    durability,
    profile,
  };
};

/** Rebuild from a copy of the data, then baseline (b): the same events appended raw. */
const replayPhases = async (dataDir: string) => {
  log('rebuild from a copy of the data dir, then baseline (b): raw durable append');
  const copy = join(root, 'copy');
  copyDataDir(dataDir, copy);
  rmSync(dataDir, { recursive: true, force: true });
  const rebuilds = [
    await runScript<RebuildResult>('rebuild.js', [copy, 'batches']),
    await runScript<RebuildResult>('rebuild.js', [copy, 'memory']),
  ];
  const rebuild = rebuilds.reduce((a, b) => (b.eventsPerSecond > a.eventsPerSecond ? b : a));
  const rawAppend = await runScript<RawAppendResult>(join('baseline', 'raw-append.js'), [
    join(copy, 'events.sqlite'),
    copy,
    String(plan.rawEvents),
  ]);
  return { rebuild, rebuilds, rawAppend };
};

const main = async (): Promise<BenchResult> => {
  const loadAverageAtStart = loadavg();
  const tag = `b${Date.now().toString(36)}`;
  const docsPerRead = await docsPhase();
  const service = await servicePhases(tag);
  const relay = await relayPhase(tag, service.phases.at50.offered ?? 0);
  const { rebuild, rebuilds, rawAppend } = await replayPhases(service.dataDir);
  const { max } = service.phases;
  const result: Omit<BenchResult, 'targets'> = {
    logEventsPerTransition: eventsPerTransitionOf([
      ...Object.values(service.phases),
      ...service.costPhases,
    ]),
    mode: opts.quick ? 'quick' : 'full',
    machine: {
      nproc: cpus().length,
      memoryGb: Math.round(totalmem() / 2 ** 30),
      cpu: cpus()[0]?.model ?? 'unknown',
      node: process.version,
      loadAverageAtStart,
    },
    load: {
      processes: opts.loadProcs,
      users: service.fleet.users,
      devices: service.fleet.devices,
      mix: Object.entries(TRANSITION_SHARE)
        .map(([k, v]) => `${k} ${Math.round(v * 100)}%`)
        .join(', '),
      ackShape,
      windowMs: opts.windowMs,
      costWindowsMs: [costWindowA, costWindowB],
      costBurst: opts.costBurst,
    },
    relay: relay.phase,
    relayPaced: relay.paced,
    service: service.phases,
    serviceCost: service.costPhases,
    costModel: {
      service: service.cost,
      relay: relay.cost,
      ...costRatios(service.cost, relay.cost),
    },
    soakRss: service.soakRss,
    memory: {
      servicePeakAtMaxMb: service.peakAtMaxMb,
      servicePeakMb: service.peakMb,
      generatorPeakMb: service.load.maxRssMb,
      relayPeakMb: relay.peakMb,
    },
    durability: service.durability,
    docsPerRead,
    rebuild,
    rebuilds,
    rawAppend,
    ratios: {
      transitionsVsRelay: max.transitionsPerSecond / relay.phase.transitionsPerSecond,
      eventsVsRawAppend: (max.loggedEventsPerSecond ?? 0) / rawAppend.eventsPerSecond,
      rebuildVsRawAppend: rebuild.eventsPerSecond / rawAppend.eventsPerSecond,
    },
    profile: service.profile,
  };
  return { ...result, targets: targetsOf(result, plan.soak) };
};

const cleanup = async (): Promise<void> => {
  for (const fleet of fleets) fleet.kill();
  await Promise.all(spawned.map((p) => p.stop('SIGKILL', 5000)));
  if (!opts.keep) rmSync(root, { recursive: true, force: true });
  else log(`data kept in ${root}`);
};

const started = Date.now();
main()
  .then(async (result) => {
    await cleanup();
    console.log(renderReport(result));
    log(`done in ${Math.round((Date.now() - started) / 1000)} s`);
    console.log(JSON.stringify(result));
    process.exit(0);
  })
  .catch(async (error: unknown) => {
    console.error(error);
    await cleanup();
    process.exit(1);
  });
