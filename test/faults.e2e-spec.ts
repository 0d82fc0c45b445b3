/**
 * Faults with real processes, while devices keep ACKing: a real redis-server killed and started
 * again under two API nodes (ACKs answered and durable throughout; pushes across nodes stop while
 * it is away and come back without a restart), and the projector process SIGKILLed and started
 * again (ACKs answered throughout; the read models catch up to exactly what a replay of the log
 * gives). Every process is started here and stopped by its PID, also when a test fails.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Redis } from 'ioredis';
import { type RedisServer, startRedisServer } from '@receipts/testing';
import type { AckResult } from '@receipts/contracts';
import { type Device, connectDevice, expectOk } from './support/devices';
import { OPERATOR, detail, get, registerOk, unreadIn, unreadTotal } from './support/http';
import {
  type NodeProcess,
  freePort,
  killAllApps,
  spawnApp,
  stopApp,
} from './support/node-processes';
import { type Server, startServer } from './support/process';
import { eventually } from './support/wait';

jest.setTimeout(60_000);

let redisServer: RedisServer | undefined;
const dirs: string[] = [];
const devices: Device[] = [];

const tempDir = (name: string): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `receipts-${name}-`));
  dirs.push(dir);
  return dir;
};

const connect = async (url: string, userId: string, deviceId: string): Promise<Device> => {
  const d = await connectDevice(url, userId, deviceId);
  devices.push(d);
  return d;
};

const baseEnv = (dataDir: string) => ({
  RECEIPTS_STORE: 'embedded',
  RECEIPTS_DATA_DIR: dataDir,
  HOST: '127.0.0.1',
  LOG_LEVEL: 'warn',
  RECEIPTS_PUSH_WINDOW_MS: '10',
  RECEIPTS_DEV_IDENTITY: 'on',
});

const spawnApi = async (
  name: string,
  env: Record<string, string>,
  ready = (_: Record<string, unknown>) => true,
) => {
  const port = await freePort();
  return spawnApp(name, 'api', { ...env, PORT: String(port) }, port, ready);
};

const spawnProjector = async (env: Record<string, string>): Promise<NodeProcess> => {
  const port = await freePort();
  return spawnApp(
    'projector',
    'projector',
    { ...env, PROJECTOR_PORT: String(port) },
    port,
    (body) => Boolean((body.projector as { running?: boolean } | undefined)?.running),
  );
};

/** No unhandled rejection or crash in a process's output. */
const expectHealthyOutput = (node: NodeProcess): void => {
  const clean = !/unhandled|ERR_UNHANDLED_REJECTION|uncaught/i.test(node.output());
  expect({ node: node.name, clean, output: clean ? '' : node.output() }).toMatchObject({
    clean: true,
  });
};

const messagesOf = async (
  url: string,
  conversationId: string,
  count: number,
  recipients: string[],
) => {
  const ids = Array.from({ length: count }, (_, i) => `${conversationId}-${i + 1}`);
  for (const [i, messageId] of ids.entries()) {
    await registerOk(url, {
      messageId,
      conversationId,
      senderId: 'alice',
      sequence: i + 1,
      recipientIds: recipients,
    });
  }
  return ids;
};

afterAll(async () => {
  for (const d of devices.splice(0)) d.close();
  await killAllApps();
  await redisServer?.stop();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe('Redis killed and started again during a stream of ACKs', () => {
  it('keeps answering ACKs durably, reports Redis down, and pushes across nodes again once it is back', async () => {
    redisServer = await startRedisServer();
    const redisPort = redisServer.port;
    const env = { ...baseEnv(tempDir('redis-fault')), REDIS_URL: redisServer.url };
    const redisUp = (body: Record<string, unknown>) => body.redis === 'up';
    // Node A runs the projector, whose pushes reach node B's sockets only through Redis.
    const nodeA = await spawnApi('API A', { ...env, RECEIPTS_PROJECTOR: 'inline' }, redisUp);
    const nodeB = await spawnApi('API B', { ...env, RECEIPTS_PROJECTOR: 'off' }, redisUp);
    const subscribed = async (): Promise<void> => {
      const probe = new Redis(redisServer!.url, { maxRetriesPerRequest: 1 });
      try {
        await eventually(
          'both Socket.IO Redis adapters subscribed',
          async () => {
            const clients = String(await probe.client('LIST')).split('\n');
            const subs = clients.filter(
              (c) => c.includes('name=receipts-socket.io-sub') && /\bpsub=2\b/.test(c),
            );
            expect(subs).toHaveLength(2);
          },
          { timeoutMs: 15_000, intervalMs: 100 },
        );
      } finally {
        probe.disconnect();
      }
    };
    await subscribed();

    const ids = await messagesOf(nodeA.url, 'stream', 12, ['bob']);
    const alice = await connect(nodeB.url, 'alice', 'phone');
    const bob = await connect(nodeA.url, 'bob', 'phone');
    const deliver = async (i: number): Promise<void> => {
      const answer: AckResult = await bob.raw('receipt:delivered', {
        conversationId: 'stream',
        messageIds: [ids[i]!],
      });
      expect({ i, answer }).toEqual({ i, answer: { ok: true, applied: 1, duplicates: 0 } });
    };
    await deliver(0);
    await alice.waitFor('delivered', (u) => u.messageId === ids[0], 5000);

    await redisServer.stop();
    for (let i = 1; i <= 8; i++) await deliver(i); // answered, Redis or not
    await eventually(
      'node A reports Redis down, and still serves',
      async () => {
        const ready = await get(nodeA.url, '/health/ready', OPERATOR);
        expect(ready).toMatchObject({
          status: 200,
          body: { status: 'degraded', redis: 'down', eventStore: 'up' },
        });
      },
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    await deliver(9);

    redisServer = await startRedisServer(10_000, redisPort);
    for (const node of [nodeA, nodeB]) {
      await eventually(
        `${node.name} reports Redis up again`,
        async () => {
          expect((await get(node.url, '/health/ready', OPERATOR)).body).toMatchObject({
            status: 'ok',
            redis: 'up',
          });
        },
        { timeoutMs: 15_000, intervalMs: 100 },
      );
    }
    await subscribed();
    await deliver(10);
    await alice.waitFor('delivered', (u) => u.messageId === ids[10], 10_000);

    // Every answered ACK is in the log and projected, seen from either node.
    for (const node of [nodeA, nodeB]) {
      await eventually(
        `all 11 deliveries on ${node.name}`,
        async () => {
          const statuses = await Promise.all(
            ids
              .slice(0, 11)
              .map(
                async (m) =>
                  (await detail(node.url, 'stream', m, 'alice')).body.recipients[0]?.status,
              ),
          );
          expect(statuses).toEqual(Array<string>(11).fill('delivered'));
        },
        { timeoutMs: 10_000 },
      );
    }
    expect(nodeA.child.exitCode).toBeNull();
    expect(nodeB.child.exitCode).toBeNull();
    for (const d of devices.splice(0)) d.close();
    for (const node of [nodeA, nodeB]) {
      await stopApp(node);
      expectHealthyOutput(node);
    }
  });
});

describe('the projector SIGKILLed and started again while ACKs continue', () => {
  const conv = 'pk';
  const N = 48;

  /** Every number a user can see of the conversation. */
  const state = async (url: string) => ({
    messages: await Promise.all(
      Array.from({ length: N }, async (_, i) => {
        const body = (await detail(url, conv, `${conv}-${i + 1}`, 'alice')).body;
        return {
          summary: body.summary,
          recipients: body.recipients.map((r) => `${r.userId}:${r.status}`).sort(),
        };
      }),
    ),
    cursors: await Promise.all(
      ['alice', 'bob', 'carol'].map(async (u) => ({
        cursor: (await unreadIn(url, u, conv)).body,
        total: (await unreadTotal(url, u)).body.totalUnread,
      })),
    ),
  });

  /** Registers a marker and waits until it is projected: everything logged before it is, too. */
  let markers = 0;
  const caughtUp = async (url: string): Promise<void> => {
    const marker = `marker-${++markers}`;
    await registerOk(url, {
      messageId: marker,
      conversationId: marker,
      senderId: 'ops',
      sequence: 1,
      recipientIds: ['nobody'],
    });
    await eventually(
      'projector caught up',
      async () => {
        expect((await detail(url, marker, marker, 'ops')).status).toBe(200);
      },
      { timeoutMs: 15_000, intervalMs: 50 },
    );
  };

  it('answers every ACK, and the read models catch up to exactly what a replay gives', async () => {
    const dataDir = tempDir('projector-fault');
    // No cache: the API answers straight from the read models the projector writes.
    const env = { ...baseEnv(dataDir), RECEIPTS_CACHE_TTL_MS: '0' };
    const api = await spawnApi('API', { ...env, RECEIPTS_PROJECTOR: 'off' });
    let projector = await spawnProjector(env);
    await messagesOf(api.url, conv, N, ['bob', 'carol']);
    const bob = await connect(api.url, 'bob', 'phone');
    const carol = await connect(api.url, 'carol', 'phone');

    type Ack = [Device, 'receipt:delivered' | 'receipt:read', object];
    const plan: Ack[] = [];
    for (let seq = 1; seq <= N; seq++) {
      plan.push([
        bob,
        'receipt:delivered',
        { conversationId: conv, messageIds: [`${conv}-${seq}`] },
      ]);
      if (seq % 5 === 0)
        plan.push([bob, 'receipt:read', { conversationId: conv, upToSequence: seq }]);
      if (seq % 3 === 0)
        plan.push([carol, 'receipt:delivered', { conversationId: conv, upToSequence: seq }]);
      if (seq % 7 === 0)
        plan.push([carol, 'receipt:read', { conversationId: conv, upToSequence: seq }]);
    }
    const killAt = Math.floor(plan.length / 3);
    const restartAt = Math.floor((2 * plan.length) / 3);
    for (const [i, [device, event, payload]] of plan.entries()) {
      if (i === killAt) {
        const exit = await stopApp(projector, 'SIGKILL');
        expect(exit.signal).toBe('SIGKILL');
      }
      if (i === restartAt) projector = await spawnProjector(env);
      expectOk(await device.raw(event, payload));
    }

    await caughtUp(api.url);
    const live = await state(api.url);
    // The plan's own numbers: bob read up to 45, carol up to 42, carol's deliveries up to 48.
    expect(live.cursors.map((c) => c.cursor.readUpTo)).toEqual([N, 45, 42]);
    expect(live.messages[N - 1]!.summary).toMatchObject({ deliveredCount: 2, readCount: 0 });
    expect(live.messages[0]!.summary).toMatchObject({
      deliveredCount: 2,
      readCount: 2,
      status: 'read',
    });

    for (const d of devices.splice(0)) d.close();
    await stopApp(api);
    await stopApp(projector);
    expectHealthyOutput(projector);
    // A replay: the log alone, projected from scratch by a fresh server.
    const replayDir = tempDir('projector-replay');
    for (const file of fs.readdirSync(dataDir).filter((f) => f.startsWith('events.sqlite'))) {
      fs.copyFileSync(path.join(dataDir, file), path.join(replayDir, file));
    }
    const replay: Server = await startServer(replayDir);
    await caughtUp(replay.url);
    expect(await state(replay.url)).toEqual(live);
  });
});
