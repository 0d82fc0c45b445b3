import { type ChildProcess, spawn } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import { eventually } from './wait';

export const ROOT = path.resolve(__dirname, '../..');

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });

export type NodeProcess = Readonly<{
  name: string;
  child: ChildProcess;
  /** Where its HTTP server (API, or the projector's health port) listens. */
  url: string;
  output: () => string;
}>;

const live = new Set<ChildProcess>();
const exited = (child: ChildProcess): boolean =>
  child.exitCode !== null || child.signalCode !== null;

/**
 * Spawns a built app (`dist/apps/<app>/src/main.js`) with exactly `env` on top of PATH, and waits
 * until its /health/ready answers 200 with a body that `ready` accepts.
 */
export const spawnApp = async (
  name: string,
  app: 'api' | 'projector',
  env: Record<string, string>,
  port: number,
  ready: (body: Record<string, unknown>) => boolean = () => true,
): Promise<NodeProcess> => {
  const child = spawn(process.execPath, [`dist/apps/${app}/src/main.js`], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  child.once('exit', () => live.delete(child));
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  await eventually(
    `${name} (pid ${child.pid}) ready on port ${port}`,
    async () => {
      if (exited(child))
        throw new Error(`${name} exited (${child.exitCode ?? child.signalCode}):\n${output}`);
      // The readiness detail needs a service credential (the development identity's header).
      const response = await fetch(`${url}/health/ready`, {
        headers: { 'x-service-name': 'monitoring' },
      });
      const body = (await response.json()) as Record<string, unknown>;
      if (response.status !== 200 || !ready(body))
        throw new Error(`ready: ${response.status} ${JSON.stringify(body)}`);
    },
    { timeoutMs: 20_000, intervalMs: 50 },
  );
  return { name, child, url, output: () => output };
};

/** Sends `signal` to the process by its PID; SIGKILLs it when it has not exited after `graceMs`. */
export const stopApp = async (
  node: NodeProcess,
  signal: NodeJS.Signals = 'SIGTERM',
  graceMs = 10_000,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> => {
  const { child } = node;
  if (!exited(child)) {
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    process.kill(child.pid!, signal);
    const timer = setTimeout(() => !exited(child) && process.kill(child.pid!, 'SIGKILL'), graceMs);
    await gone;
    clearTimeout(timer);
  }
  return { code: child.exitCode, signal: child.signalCode };
};

/** For afterAll: SIGKILLs (by PID) every process this file spawned that is still running. */
export const killAllApps = async (): Promise<void> => {
  await Promise.all(
    [...live].map((child) => stopApp({ name: '', child, url: '', output: () => '' }, 'SIGKILL')),
  );
};
