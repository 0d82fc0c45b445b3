import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { type AddressInfo, connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type RedisServer = Readonly<{
  url: string;
  port: number;
  pid: number;
  stop: () => Promise<void>;
}>;

const INSTALL_HINT = 'install it with: apt-get update && apt-get install -y redis-server';
const INSTALL_LOCK = join(tmpdir(), 'receipts-redis-server-install.lock');

const installed = (): boolean => spawnSync('redis-server', ['--version']).status === 0;
const sleepSync = (ms: number): void => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
};

const aptInstall = (): void => {
  const apt = (...args: string[]) =>
    execFileSync('apt-get', ['-o', 'DPkg::Lock::Timeout=300', ...args], {
      stdio: 'pipe',
      timeout: 600_000,
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  try {
    apt('install', '-y', '--no-install-recommends', 'redis-server');
  } catch {
    apt('update');
    apt('install', '-y', '--no-install-recommends', 'redis-server');
  }
};

/**
 * One installer at a time across jest workers (apt-get holds dpkg's lock): the others wait for
 * the lock directory to go, then find redis-server there. A lock older than 10 minutes is stale.
 */
const underInstallLock = (install: () => void): void => {
  const deadline = Date.now() + 900_000;
  for (;;) {
    try {
      mkdirSync(INSTALL_LOCK);
      break;
    } catch {
      if (installed()) return;
      const lock = statSync(INSTALL_LOCK, { throwIfNoEntry: false });
      if (lock && Date.now() - lock.mtimeMs > 600_000)
        rmSync(INSTALL_LOCK, { recursive: true, force: true });
      if (Date.now() > deadline)
        throw new Error(`redis-server: gave up waiting for ${INSTALL_LOCK}`);
      sleepSync(500);
    }
  }
  try {
    if (!installed()) install();
  } finally {
    rmSync(INSTALL_LOCK, { recursive: true, force: true });
  }
};

/** Debian's redis-server, installed with apt-get when missing (as root); otherwise a clear failure. */
export const ensureRedisServerInstalled = (): void => {
  if (installed()) return;
  if (process.getuid?.() !== 0 || spawnSync('apt-get', ['--version']).status !== 0) {
    throw new Error(
      `redis-server is not installed and cannot be installed from here: ${INSTALL_HINT}`,
    );
  }
  underInstallLock(aptInstall);
  if (!installed())
    throw new Error(`apt-get did not install a working redis-server: ${INSTALL_HINT}`);
};

/** A loopback port nothing listens on (at the moment it is returned). */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });

const ping = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });

const exited = (child: ChildProcess): boolean =>
  child.exitCode !== null || child.signalCode !== null;

/**
 * A throwaway redis-server on a free loopback port (or on `fixedPort`, e.g. to start it again where
 * its clients reconnect): no persistence, its files in a temp dir. Stop it (by its PID) in afterAll.
 */
export const startRedisServer = async (timeoutMs = 10_000, port?: number): Promise<RedisServer> => {
  ensureRedisServerInstalled();
  port ??= await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'receipts-redis-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  const child = spawn('redis-server', [...args, '--dir', dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const stop = async (): Promise<void> => {
    if (!exited(child)) {
      const gone = new Promise((resolve) => child.once('exit', resolve));
      process.kill(child.pid!, 'SIGKILL');
      await gone;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + timeoutMs;
  while (!(await ping(port))) {
    if (exited(child) || Date.now() > deadline) {
      await stop();
      throw new Error(`redis-server on port ${port} did not answer PING:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return { url: `redis://127.0.0.1:${port}`, port, pid: child.pid!, stop };
};
