/**
 * Production-shaped, on the build machine: two API processes and one projector process share the
 * embedded stores (one data dir) and a real redis-server. Pushes cross nodes through Socket.IO's
 * Redis adapter (API) and the Redis emitter (projector); the summary cache lives in Redis and the
 * projector invalidates it. The cache TTL is a minute, so a fresh answer proves the invalidation.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Redis } from 'ioredis';
import { type RedisServer, startRedisServer } from '@receipts/testing';
import { type Device, connectDevice, expectOk } from './support/devices';
import { OPERATOR, get, registerOk, summary, unreadIn } from './support/http';
import {
  type NodeProcess,
  ROOT,
  freePort,
  killAllApps,
  spawnApp,
  stopApp,
} from './support/node-processes';
import { eventually } from './support/wait';

jest.setTimeout(60_000);

let redisServer: RedisServer;
let redis: Redis;
let dataDir: string;
let apiA: NodeProcess;
let apiB: NodeProcess;
let projector: NodeProcess;
const devices: Device[] = [];

const redisUp = (body: Record<string, unknown>) => body.redis === 'up';

/** Each API node's adapter subscribes its namespaces (`/`, `/receipts`) before it can deliver. */
const adaptersSubscribed = async (nodes: number): Promise<void> => {
  await eventually(
    `${nodes} Socket.IO Redis adapters subscribed`,
    async () => {
      const clients = String(await redis.client('LIST')).split('\n');
      const subscribed = clients.filter(
        (c) => c.includes('name=receipts-socket.io-sub') && /\bpsub=2\b/.test(c),
      );
      expect(subscribed).toHaveLength(nodes);
    },
    { timeoutMs: 10_000 },
  );
};

// dist is built once for the e2e project by its globalSetup (test/support/build-once.ts).
beforeAll(async () => {
  redisServer = await startRedisServer();
  redis = new Redis(redisServer.url);
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'receipts-multi-node-'));
  const shared = {
    RECEIPTS_STORE: 'embedded',
    RECEIPTS_DATA_DIR: dataDir,
    REDIS_URL: redisServer.url,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    RECEIPTS_PUSH_WINDOW_MS: '10',
    RECEIPTS_CACHE_TTL_MS: '60000',
    RECEIPTS_DEV_IDENTITY: 'on',
  };
  const api = async (name: string) => {
    const port = await freePort();
    return spawnApp(
      name,
      'api',
      { ...shared, RECEIPTS_PROJECTOR: 'off', PORT: String(port) },
      port,
      redisUp,
    );
  };
  // One at a time: the first process to open the SQLite files creates them.
  apiA = await api('API A');
  apiB = await api('API B');
  const projectorPort = await freePort();
  projector = await spawnApp(
    'projector',
    'projector',
    { ...shared, PROJECTOR_PORT: String(projectorPort) },
    projectorPort,
    (body) => redisUp(body) && (body.projector as { running: boolean }).running,
  );
  await adaptersSubscribed(2);
}, 300_000);

afterAll(async () => {
  for (const device of devices) device.close();
  await killAllApps();
  redis?.disconnect();
  await redisServer?.stop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

const connect = async (node: NodeProcess, userId: string, deviceId: string): Promise<Device> => {
  const device = await connectDevice(node.url, userId, deviceId);
  devices.push(device);
  return device;
};

describe('two API nodes and a projector process over Redis', () => {
  it('reports each dependency: the API nodes do not project, the projector does', async () => {
    expect((await get(apiA.url, '/health/ready', OPERATOR)).body).toMatchObject({
      status: 'ok',
      eventStore: 'up',
      readStore: 'up',
      redis: 'up',
      projector: { running: false },
    });
    expect((await get(projector.url, '/health/ready')).body).toMatchObject({
      status: 'ok',
      eventStore: 'up',
      readStore: 'up',
      redis: 'up',
      projector: { running: true },
    });
    expect((await get(projector.url, '/health/live')).body).toEqual({ status: 'ok' });
    expect(String((await get(projector.url, '/metrics')).body)).toContain(
      'receipts_projected_events_total',
    );
  });

  it('pushes an ACK sent to node B to the sender on node A, with fresh cached summaries', async () => {
    const message = {
      messageId: 'm1',
      conversationId: 'group-1',
      senderId: 'alice',
      sequence: 1,
      recipientIds: ['bob', 'carol'],
    };
    await registerOk(apiB.url, message);
    const alicePhone = await connect(apiA, 'alice', 'phone');
    const aliceLaptop = await connect(apiB, 'alice', 'laptop');
    const bobPhone = await connect(apiB, 'bob', 'phone');
    const bobLaptop = await connect(apiA, 'bob', 'laptop');

    // The sender's own read follows its registration and may invalidate the group once more.
    await eventually('the message projected, its summary cached in Redis', async () => {
      expect((await summary(apiA.url, 'group-1', 'm1', 'alice')).body).toMatchObject({
        deliveredCount: 0,
      });
      expect(await redis.exists('receipts:cache:c:group-1')).toBe(1);
    });

    expectOk(await bobPhone.client.markDelivered('group-1', ['m1']), 1);
    for (const alice of [alicePhone, aliceLaptop]) {
      const pushed = await alice.waitFor('delivered', (u) => u.recipientId === 'bob');
      expect(pushed).toMatchObject({
        messageId: 'm1',
        summary: { deliveredCount: 1, totalRecipients: 2 },
      });
    }
    // The projector invalidated the cached summary before it pushed: no TTL wait, on either node.
    expect((await summary(apiA.url, 'group-1', 'm1', 'alice')).body).toMatchObject({
      deliveredCount: 1,
    });
    expect((await summary(apiB.url, 'group-1', 'm1', 'alice')).body).toMatchObject({
      deliveredCount: 1,
    });

    expect((await unreadIn(apiA.url, 'bob', 'group-1')).body).toMatchObject({ unread: 1 });
    expectOk(await bobPhone.client.markRead('group-1', 1), 1);
    const read = await alicePhone.waitFor('read', (u) => u.readerId === 'bob');
    expect(read.messages).toHaveLength(1);
    expect(read.messages[0]).toMatchObject({
      messageId: 'm1',
      sequence: 1,
      summary: { readCount: 1 },
    });
    await bobLaptop.waitFor('read_sync', (u) => u.conversationId === 'group-1');
    expect(bobLaptop.of('read_sync', 'group-1')).toEqual([
      {
        type: 'read_sync',
        position: 1,
        conversationId: 'group-1',
        readUpToSequence: 1,
        unread: 0,
        totalUnread: 0,
      },
    ]);
    expect(bobPhone.of('read_sync')).toEqual([]);
    expect((await unreadIn(apiA.url, 'bob', 'group-1')).body).toMatchObject({
      readUpTo: 1,
      unread: 0,
    });
  });

  it.each([
    [
      'api',
      { REDIS_URL: 'localhost:6379' },
      'REDIS_URL: must be a redis:// or rediss:// connection string',
    ],
    [
      'projector',
      { RECEIPTS_STORE: 'production', REDIS_URL: 'redis://127.0.0.1:1' },
      'EVENTSTORE_URL: required',
    ],
  ] as const)(
    'refuses to start the %s with a bad configuration, naming the variable',
    (app, env, message) => {
      const run = spawnSync(process.execPath, [`dist/apps/${app}/src/main.js`], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', RECEIPTS_DATA_DIR: dataDir, ...env },
        encoding: 'utf8',
        timeout: 15_000,
      });
      expect({ status: run.status, stderr: run.stderr.trim().split('\n')[0] }).toEqual({
        status: 1,
        stderr: 'Invalid configuration:',
      });
      expect(run.stderr).toContain(message);
      expect(run.stderr).not.toContain('    at ');
    },
  );

  it('stops every process cleanly on SIGTERM', async () => {
    for (const device of devices.splice(0)) device.close();
    for (const node of [apiA, apiB, projector]) {
      const exit = await stopApp(node);
      const clean =
        (exit.code === 0 || exit.signal === 'SIGTERM') &&
        !/unhandled|ERR_UNHANDLED_REJECTION/i.test(node.output());
      expect({ node: node.name, exit, clean, output: clean ? '' : node.output() }).toMatchObject({
        node: node.name,
        clean: true,
      });
    }
  });
});
