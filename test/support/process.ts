import { type ChildProcess, execSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT, freePort, killAllApps, spawnApp, stopApp } from './node-processes';

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

export type Server = {
  process: ChildProcess;
  url: string;
  port: number;
  dataDir: string;
  output: () => string;
};

/** Spawns the built API on `dataDir` and waits until /health/ready answers 200. */
export const startServer = async (dataDir: string): Promise<Server> => {
  const port = await freePort();
  const node = await spawnApp(
    'server',
    'api',
    {
      RECEIPTS_DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      RECEIPTS_PUSH_WINDOW_MS: '10',
      LOG_LEVEL: 'warn',
      RECEIPTS_STORE: 'embedded',
      RECEIPTS_PROJECTOR: 'thread',
      RECEIPTS_DEV_IDENTITY: 'on',
    },
    port,
  );
  return { process: node.child, url: node.url, port, dataDir, output: node.output };
};

/** Kills the server by its PID (SIGKILL unless told otherwise) and waits for it to be gone. */
export const killServer = async (
  server: Server,
  signal: NodeJS.Signals = 'SIGKILL',
): Promise<void> => {
  await stopApp(
    { name: 'server', child: server.process, url: server.url, output: server.output },
    signal,
  );
};

/** For afterAll: kills (by PID) every server this file spawned that is still running. */
export const killAll = killAllApps;
