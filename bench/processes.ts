import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** A process this run started; only ever stopped through its own pid. */
export type Spawned = {
  pid: number;
  child: ChildProcess;
  exited: Promise<number | null>;
  output: () => string;
  stop: (signal?: NodeJS.Signals, graceMs?: number) => Promise<void>;
};

/** The service as the benchmark runs it: embedded stores, the projection on its thread, the development identity. */
export const serviceEnv = (dataDir: string, port: number): Record<string, string> => ({
  RECEIPTS_DATA_DIR: dataDir,
  PORT: String(port),
  HOST: '127.0.0.1',
  LOG_LEVEL: 'warn',
  RECEIPTS_STORE: 'embedded',
  RECEIPTS_PROJECTOR: 'thread',
  // The load generator's chat server and devices name themselves (x-service-name, handshake ids).
  RECEIPTS_DEV_IDENTITY: 'on',
});

/** `KEY=VALUE` options (`--env`) as the environment they set. */
export const settingsOf = (pairs: readonly string[]): Record<string, string> =>
  Object.fromEntries(
    pairs.map((pair) => {
      const at = pair.indexOf('=');
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });

export const spawnNode = (
  script: string,
  args: readonly string[],
  env: Record<string, string>,
  nodeArgs: readonly string[] = [],
  onLine?: (line: string) => void,
): Spawned => {
  const child = spawn(process.execPath, [...nodeArgs, script, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`could not start ${script}`);
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-8000);
  };
  let partial = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    keep(chunk);
    if (!onLine) return;
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  });
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const stop = async (signal: NodeJS.Signals = 'SIGTERM', graceMs = 20_000): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
  return { pid: child.pid, child, exited, output: () => tail, stop };
};

/** Polls `url` until it answers 200, or throws with the process output after `timeoutMs`. */
export const waitReady = async (
  url: string,
  spawned: Spawned,
  timeoutMs = 60_000,
): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (spawned.child.exitCode !== null) break;
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} not ready; process output:\n${spawned.output()}`);
};

/** VmHWM (peak) and VmRSS of a process, in MB, from /proc. */
export const memoryOf = (pid: number): { peakMb: number; rssMb: number } => {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) =>
    Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) / 1024;
  return { peakMb: field('VmHWM'), rssMb: field('VmRSS') };
};

/** CPU seconds (user + system) a process has used, from /proc/<pid>/stat. */
export const cpuSecondsOf = (pid: number): number => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};

/** CPU seconds every core of the machine has been busy (user, system, irq, steal), from /proc/stat. */
export const machineBusySeconds = (): number => {
  const fields = readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]!
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return (user + nice + system + irq + softirq + steal) / 100;
};
