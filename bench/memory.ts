/**
 * Where the service's memory goes. Starts the built service on a fresh data dir, connects the
 * benchmark's population (2 load processes, 5,040 devices), saturates it, and reads at each step
 * the process's RSS split by kind (/proc/<pid>/status: anonymous memory, which holds every
 * thread's V8 heap, SQLite's page caches and socket buffers; file-backed pages, mostly the node
 * binary) and the main thread's V8 heap (the service's /metrics). The worker threads' share is
 * what is left of the anonymous memory; comparing runs with a setting changed (--env) takes it
 * apart further.
 *
 * Usage: node dist/bench/memory.js [--seconds 30] [--env KEY=VALUE]... ; prints a table and a
 * JSON line.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { LoadFleet } from './load-fleet';
import { scrape } from './metrics';
import { measurePhase } from './phases';
import { type Spawned, freePort, serviceEnv, settingsOf, spawnNode, waitReady } from './processes';

const opts = new Command()
  .option('--seconds <s>', 'how long to saturate', (v) => Number(v), 30)
  .option('--users <n>', 'users per load process', (v) => Number(v), 2100)
  .option(
    '--node-arg <arg>',
    'a Node or V8 option for the service (repeatable)',
    (v, all: string[]) => [...all, v],
    [] as string[],
  )
  .option('--heap-snapshot <dir>', 'write a heap snapshot of the main thread at the end into <dir>')
  .option(
    '--env <KEY=VALUE>',
    'a setting for the service (repeatable)',
    (v, all: string[]) => [...all, v],
    [] as string[],
  )
  .parse()
  .opts<{
    seconds: number;
    users: number;
    env: string[];
    nodeArg: string[];
    heapSnapshot?: string;
  }>();

type Sample = {
  step: string;
  rssMb: number;
  peakMb: number;
  anonMb: number;
  fileMb: number;
  shmemMb: number;
  mainHeapUsedMb: number;
  mainHeapTotalMb: number;
  externalMb: number;
  threads: number;
  /** The main thread's V8 heap spaces: MB in use / MB reserved. */
  spaces: Record<string, string>;
};

const mb = (bytes: number) => bytes / 2 ** 20;

const sample = async (step: string, pid: number, url: string): Promise<Sample> => {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  const metrics = await scrape(url);
  const value = (name: string) => metrics.values.get(name) ?? 0;
  const text = await (
    await fetch(`${url}/metrics`, { headers: { 'x-service-name': 'bench' } })
  ).text();
  const space = (kind: 'used' | 'total', name: string) =>
    mb(
      Number(
        new RegExp(`nodejs_heap_space_size_${kind}_bytes\\{space="${name}"\\} (\\S+)`).exec(
          text,
        )?.[1] ?? 0,
      ),
    );
  const spaces = Object.fromEntries(
    [...text.matchAll(/nodejs_heap_space_size_total_bytes\{space="(\w+)"\}/g)].map(
      ([, name = '']) => [
        name,
        `${space('used', name).toFixed(0)} / ${space('total', name).toFixed(0)}`,
      ],
    ),
  );
  return {
    step,
    rssMb: kb('VmRSS') / 1024,
    peakMb: kb('VmHWM') / 1024,
    anonMb: kb('RssAnon') / 1024,
    fileMb: kb('RssFile') / 1024,
    shmemMb: kb('RssShmem') / 1024,
    mainHeapUsedMb: mb(value('nodejs_heap_size_used_bytes')),
    mainHeapTotalMb: mb(value('nodejs_heap_size_total_bytes')),
    externalMb: mb(value('nodejs_external_memory_bytes')),
    threads: kb('Threads'),
    spaces,
  };
};

/** Signals the service to write a heap snapshot (a full collection first), and waits for it. */
const heapSnapshot = async (
  service: Spawned,
  dir: string,
  log: (line: string) => void,
): Promise<void> => {
  const written = () => readdirSync(dir).filter((f) => f.endsWith('.heapsnapshot'));
  const before = written().length;
  process.kill(service.pid, 'SIGUSR2');
  const size = () => written().map((f) => statSync(join(dir, f)).size);
  let last = -1;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const sizes = size();
    if (sizes.length > before && sizes.at(-1) === last) break;
    last = sizes.at(-1) ?? -1;
  }
  log(`heap snapshot written in ${dir}`);
};

const main = async (): Promise<void> => {
  const root = mkdtempSync(join(tmpdir(), 'receipts-memory-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const settings = settingsOf(opts.env);
  const service: Spawned = spawnNode(
    join(__dirname, '..', 'apps', 'api', 'src', 'main.js'),
    [],
    { ...serviceEnv(join(root, 'service'), port), ...settings },
    [
      ...opts.nodeArg,
      ...(opts.heapSnapshot
        ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${opts.heapSnapshot}`]
        : []),
    ],
  );
  const fleet = new LoadFleet({
    url,
    processes: 2,
    usersPerProcess: opts.users,
    extraArgs: ['--ack-shape', 'frame'],
  });
  const log = (line: string) =>
    console.error(`[memory ${new Date().toISOString().slice(11, 19)}] ${line}`);
  try {
    await waitReady(`${url}/health/ready`, service);
    const samples = [await sample('started', service.pid, url)];
    await fleet.start('memory');
    log(`${fleet.devices} devices connected`);
    samples.push(await sample('devices connected, idle', service.pid, url));
    const saturated = await measurePhase(
      fleet,
      { url, pid: service.pid, dataDir: null },
      {
        phase: 'saturate',
        mode: 'saturate',
        offered: 0,
        perMessage: 0,
        windowMs: 250,
        warmupS: 3,
        measureS: opts.seconds,
      },
      log,
    );
    samples.push(await sample(`after ${opts.seconds} s at the maximum`, service.pid, url));
    if (opts.heapSnapshot) await heapSnapshot(service, opts.heapSnapshot, log);
    const columns: Array<[string, (s: Sample) => string]> = [
      ['step', (s) => s.step],
      ['RSS MB', (s) => s.rssMb.toFixed(0)],
      ['peak MB', (s) => s.peakMb.toFixed(0)],
      ['anonymous MB', (s) => s.anonMb.toFixed(0)],
      ['file-backed MB', (s) => s.fileMb.toFixed(0)],
      [
        'main heap used / total MB',
        (s) => `${s.mainHeapUsedMb.toFixed(0)} / ${s.mainHeapTotalMb.toFixed(0)}`,
      ],
      ['external MB', (s) => s.externalMb.toFixed(0)],
      ['anonymous − main heap MB', (s) => (s.anonMb - s.mainHeapTotalMb).toFixed(0)],
      ['threads', (s) => String(s.threads)],
    ];
    console.log(`| ${columns.map(([name]) => name).join(' | ')} |`);
    console.log(`| ${columns.map(() => '---').join(' | ')} |`);
    for (const s of samples) console.log(`| ${columns.map(([, cell]) => cell(s)).join(' | ')} |`);
    const spaces = Object.keys(samples.at(-1)!.spaces);
    console.log(`\n| step | ${spaces.map((n) => `${n} MB used / reserved`).join(' | ')} |`);
    console.log(`| --- | ${spaces.map(() => '---').join(' | ')} |`);
    for (const s of samples) {
      console.log(`| ${s.step} | ${spaces.map((n) => s.spaces[n] ?? '-').join(' | ')} |`);
    }
    const { transitionsPerSecond, serviceCpuPercent } = saturated;
    console.log(
      `at the maximum: ${transitionsPerSecond.toFixed(0)} transitions/s, service CPU ${(serviceCpuPercent ?? 0).toFixed(0)}%`,
    );
    console.log(
      JSON.stringify({
        settings,
        nodeArgs: opts.nodeArg,
        devices: fleet.devices,
        transitionsPerSecond,
        serviceCpuPercent,
        samples,
      }),
    );
  } finally {
    await fleet.stop();
    await service.stop();
    rmSync(root, { recursive: true, force: true });
  }
};

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
