/**
 * The built API as its own process, with debug logging and an ops port: what a client can make
 * it write (client errors at debug, sampled, never an error line or a stack), and where the
 * metrics and the readiness detail are served (the ops port only).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { connectDevice } from './support/devices';
import { CHAT_SERVER, OPERATOR, asUser, get, postRaw } from './support/http';
import {
  type NodeProcess,
  freePort,
  killAllApps,
  spawnApp,
  stopApp,
} from './support/node-processes';

jest.setTimeout(60_000);

let api: NodeProcess;
let opsUrl: string;
let dataDir: string;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'receipts-ops-'));
  const [port, opsPort] = [await freePort(), await freePort()];
  api = await spawnApp(
    'API',
    'api',
    {
      RECEIPTS_STORE: 'embedded',
      RECEIPTS_DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      PORT: String(port),
      RECEIPTS_OPS_PORT: String(opsPort),
      RECEIPTS_DEV_IDENTITY: 'on',
      LOG_LEVEL: 'debug',
      RECEIPTS_LOG_SAMPLE_S: '600',
    },
    port,
  );
  opsUrl = `http://127.0.0.1:${opsPort}`;
}, 120_000);

afterAll(async () => {
  await killAllApps();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

/** The process's log lines (pino JSON) after `since` characters of output. */
const logLines = (since: number): Array<Record<string, unknown>> =>
  api
    .output()
    .slice(since)
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('with RECEIPTS_OPS_PORT', () => {
  it('serves metrics and the readiness detail on the ops port, without a credential', async () => {
    const metrics = await get(opsUrl, '/metrics');
    expect(metrics.status).toBe(200);
    expect(String(metrics.body)).toContain('receipts_privacy_filtered_total');
    expect(await get(opsUrl, '/health/ready')).toMatchObject({
      status: 200,
      body: { status: 'ok', eventStore: 'up', readStore: 'up', projector: { running: true } },
    });
    expect((await get(opsUrl, '/health/live')).body).toEqual({ status: 'ok' });
  });

  it('serves neither on the public port, whoever asks', async () => {
    expect(await get(api.url, '/metrics', OPERATOR)).toMatchObject({
      status: 404,
      body: { code: 'NOT_FOUND' },
    });
    expect((await get(api.url, '/health/ready', OPERATOR)).body).toEqual({ status: 'ok' });
    expect((await get(api.url, '/health/live')).body).toEqual({ status: 'ok' });
  });
});

describe('what a client can make the server log', () => {
  it('client errors: debug lines without stacks, one per kind however often it is repeated', async () => {
    const since = api.output().length;
    for (let i = 0; i < 50; i++) {
      await postRaw(api.url, '/messages', '{"not json');
      await postRaw(api.url, '/messages', '{}', { ...CHAT_SERVER, 'content-encoding': 'gzip' });
      await get(api.url, `/no/such/route/${i}`, asUser('mallory'));
      await get(api.url, '/users/bob/unread', asUser('mallory'));
      await get(api.url, '/metrics', asUser('mallory'));
    }
    const device = await connectDevice(api.url, 'mallory', 'phone');
    try {
      for (let i = 0; i < 50; i++) {
        await device.raw('receipt:read', { conversationId: 'c', upToSequence: -i });
        await device.raw('receipt:delivered', { conversationId: 'c', messageIds: [`m${i}`] });
      }
    } finally {
      device.close();
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    const lines = logLines(since);
    expect(lines.filter((line) => Number(line.level) >= 40)).toEqual([]);
    expect(api.output().slice(since)).not.toMatch(/\n\s+at /);
    const clientErrors = lines.filter((line) => /^[A-Z_]+: /.test(String(line.msg)));
    const kinds = clientErrors.map(
      (line) => `${String(line.context)} ${String(line.msg).split(':')[0]}`,
    );
    // One line per kind (the NOT_FOUND above may already have been this interval's line).
    expect(new Set(kinds).size).toBe(kinds.length);
    expect(kinds).toEqual(
      expect.arrayContaining([
        'Http FORBIDDEN',
        'Http VALIDATION_FAILED',
        'Socket NOT_YET_REGISTERED',
        'Socket VALIDATION_FAILED',
      ]) as unknown,
    );
    expect(clientErrors.every((line) => line.level === 20)).toBe(true);
  });

  it('stops cleanly, the ops port with it', async () => {
    const exit = await stopApp(api);
    expect(exit.code === 0 || exit.signal === 'SIGTERM').toBe(true);
    expect(api.output()).not.toMatch(/unhandled|ERR_UNHANDLED_REJECTION/i);
  });
});
