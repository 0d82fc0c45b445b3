import { type ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import { ROOT } from './node-processes';

export const CLI = path.join(ROOT, 'dist/apps/cli/src/main.js');

export type CliRun = Readonly<{
  child: ChildProcess;
  /** Resolves when the process ends: its exit code (null when killed), signal and output. */
  done: Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
  }>;
}>;

const running = new Set<ChildProcess>();

/** Starts the built operator CLI on `dataDir` (not a terminal: plain lines). Bounded to 60 s. */
export const startCli = (dataDir: string, args: readonly string[]): CliRun => {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, RECEIPTS_DATA_DIR: dataDir, RECEIPTS_STORE: 'embedded' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const done = new Promise<Awaited<CliRun['done']>>((resolve) =>
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      resolve({ code, signal, stdout, stderr });
    }),
  );
  return { child, done };
};

export const cli = (dataDir: string, ...args: string[]) => startCli(dataDir, args).done;

/** For afterAll: kills (by PID) every CLI process still running. */
export const killAllCli = (): void => {
  for (const child of running) child.kill('SIGKILL');
};
