/**
 * The built API refuses to start without a way to authenticate callers, and with the
 * development identity in production; with the development identity on it says so loudly.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT } from './support/node-processes';
import { killAll, killServer, startServer } from './support/process';

jest.setTimeout(90_000);

let dataDir: string;

beforeAll(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'receipts-auth-startup-'));
});

afterAll(async () => {
  await killAll();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** Runs the built API with exactly `env`; it must exit by itself, refusing to start. */
const refusedStart = (env: Record<string, string>): string => {
  const run = spawnSync(process.execPath, ['dist/apps/api/src/main.js'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', RECEIPTS_DATA_DIR: dataDir, PORT: '0', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect({
    status: run.status,
    signal: run.signal,
    error: run.error?.message,
    firstLine: run.stderr.split('\n')[0],
  }).toEqual({
    status: 1,
    signal: null,
    error: undefined,
    firstLine: expect.stringMatching(/^(Invalid configuration:|RECEIPTS_JWT_)/) as unknown,
  });
  expect(run.stderr).not.toContain('    at ');
  return run.stderr;
};

const production = {
  RECEIPTS_STORE: 'production',
  EVENTSTORE_URL: 'esdb://127.0.0.1:1?tls=false',
  MONGODB_URL: 'mongodb://127.0.0.1:1/?replicaSet=rs0',
  REDIS_URL: 'redis://127.0.0.1:1',
};
const jwt = {
  RECEIPTS_JWT_SECRET: 'a-secret-that-is-long-enough-for-hs256',
  RECEIPTS_JWT_ISSUER: 'https://id.receipts.test',
  RECEIPTS_JWT_AUDIENCE: 'receipts',
};

describe('API start-up and identity', () => {
  it('refuses to start with neither a token key nor the development identity, saying what to set', () => {
    const stderr = refusedStart({});
    expect(stderr).toContain(
      'RECEIPTS_JWT_SECRET or RECEIPTS_JWT_PUBLIC_KEY or RECEIPTS_JWT_JWKS_FILE:',
    );
    expect(stderr).toContain('RECEIPTS_DEV_IDENTITY=on');
  });

  it.each([
    ['NODE_ENV=production', { NODE_ENV: 'production', ...jwt }],
    ['RECEIPTS_STORE=production', { ...production, ...jwt }],
  ])('refuses the development identity with %s, naming the variables', (_, env) => {
    expect(refusedStart({ ...env, RECEIPTS_DEV_IDENTITY: 'on' })).toContain(
      'RECEIPTS_DEV_IDENTITY: must not be on with RECEIPTS_STORE=production or NODE_ENV=production',
    );
  });

  it('refuses to start when the key set file cannot be read', () => {
    const env = { ...jwt, RECEIPTS_JWT_SECRET: '', RECEIPTS_JWT_ALGORITHM: 'RS256' };
    const missing = path.join(dataDir, 'no-such-jwks.json');
    expect(refusedStart({ ...env, RECEIPTS_JWT_JWKS_FILE: missing })).toContain(
      `RECEIPTS_JWT_JWKS_FILE: cannot read ${missing}`,
    );
  });

  it('warns in one line at start when the development identity is on', async () => {
    const server = await startServer(dataDir);
    await killServer(server, 'SIGTERM');
    const warnings = server
      .output()
      .split('\n')
      .filter((line) => line.includes('RECEIPTS_DEV_IDENTITY=on'));
    expect(warnings).toEqual([
      expect.stringMatching(/^WARNING: .*trusts any user or service id/) as unknown,
    ]);
  });
});
