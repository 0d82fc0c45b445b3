import { type ChildProcess, execSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { eventually } from './wait';

export const ROOT = path.resolve(__dirname, '../..');
export const MAIN = path.join(ROOT, 'dist/apps/api/src/main.js');

const newestSource = (dir: string): number => {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') newest = Math.max(newest, newestSource(full));
    } else if (entry.name.endsWith('.ts') && !/\.(e2e-|int-)?spec\.ts$/.test(entry.name)) {
      newest = Math.max(newest, fs.statSync(full).mtimeMs);
    }
  }
  return newest;
};

/** Runs `npm run build` when dist/…/main.js is missing or older than any source file. */
export const ensureBuilt = (): void => {
  const built = fs.existsSync(MAIN) ? fs.statSync(MAIN).mtimeMs : 0;
  const sources = Math.max(
    ...['apps', 'libs', 'scripts'].map((d) => newestSource(path.join(ROOT, d))),
  );
  if (built >= sources) return;
  try {
    execSync('npm run build', { cwd: ROOT, stdio: 'pipe', timeout: 120_000 });
  } catch (error) {
    const e = error as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(
      `npm run build failed:\n${e.stdout?.toString() ?? ''}\n${e.stderr?.toString() ?? ''}`,
    );
  }
};

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });

export type Server = {
  process: ChildProcess;
  url: string;
  port: number;
  dataDir: string;
  output: () => string;
};

const live = new Set<ChildProcess>();

/** Spawns the built API on `dataDir` and waits until /health/ready answers 200. */
export const startServer = async (dataDir: string): Promise<Server> => {
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN], {
    cwd: ROOT,
    env: {
      ...process.env,
      RECEIPTS_DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      RECEIPTS_PUSH_WINDOW_MS: '10',
      LOG_LEVEL: 'warn',
      RECEIPTS_STORE: 'embedded',
      RECEIPTS_PROJECTOR: 'inline',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  child.once('exit', () => live.delete(child));
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  await eventually(
    `server pid ${child.pid} on port ${port} ready`,
    async () => {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`server exited (${child.exitCode ?? child.signalCode}):\n${output}`);
      }
      const response = await fetch(`${url}/health/ready`);
      if (response.status !== 200) throw new Error(`ready answered ${response.status}`);
    },
    { timeoutMs: 15_000, intervalMs: 50 },
  );
  return { process: child, url, port, dataDir, output: () => output };
};

/** SIGKILLs the server by its PID and waits for it to be gone. */
export const killServer = async (
  server: Server,
  signal: NodeJS.Signals = 'SIGKILL',
): Promise<void> => {
  const child = server.process;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(child.pid!, signal);
  await exited;
};

/** For afterAll: kills (by PID) every server this file spawned that is still running. */
export const killAll = async (): Promise<void> => {
  await Promise.all(
    [...live].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          try {
            process.kill(child.pid!, 'SIGKILL');
          } catch {
            resolve();
          }
        }),
    ),
  );
};
