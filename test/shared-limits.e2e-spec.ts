/**
 * Two API nodes on one real redis-server share their rate budgets: frames a device spent on one
 * node are gone on the other, and so are a user's REST requests. When Redis goes away, each
 * node falls back to a budget of its own and keeps answering.
 */
import { type RedisServer, startRedisServer } from '@receipts/testing';
import { type RunningApp, DEV_IDENTITY, startApp } from './support/app';
import { type Device, connectDevice } from './support/devices';
import { OPERATOR, asUser, get } from './support/http';
import { eventually } from './support/wait';

jest.setTimeout(60_000);

let redis: RedisServer;
let nodeA: RunningApp;
let nodeB: RunningApp;
const devices: Device[] = [];

const connect = async (node: RunningApp, userId: string, deviceId: string): Promise<Device> => {
  const device = await connectDevice(node.url, userId, deviceId);
  devices.push(device);
  return device;
};

/** An ACK for nothing registered: admitted frames answer NOT_YET_REGISTERED, refused ones RATE_LIMITED. */
const frame = async (device: Device): Promise<string> => {
  const answer = await device.raw('receipt:read', { conversationId: 'c-shared', upToSequence: 1 });
  return answer.ok ? 'ok' : answer.error.code;
};

beforeAll(async () => {
  redis = await startRedisServer();
  const env = {
    ...DEV_IDENTITY,
    REDIS_URL: redis.url,
    RECEIPTS_LIMIT_WINDOW_S: '60',
    RECEIPTS_LIMIT_DEVICE_FRAMES_PER_S: '1', // 60 frames per window
    RECEIPTS_LIMIT_REST_USER_PER_S: '1', // 60 requests per window
  };
  nodeA = await startApp(env);
  nodeB = await startApp(env);
  // Until its Redis client is ready a node counts in process (the fallback), so wait for it.
  for (const node of [nodeA, nodeB]) {
    await eventually('Redis ready on the node', async () => {
      const answer = await get(node.url, '/health/ready', OPERATOR);
      expect(answer.body).toMatchObject({ redis: 'up' });
    });
  }
});

afterAll(async () => {
  for (const device of devices) device.close();
  await nodeA?.close();
  await nodeB?.close();
  await redis?.stop();
});

it('spends one frame budget for a device, whichever node its sockets are on', async () => {
  const onA = await connect(nodeA, 'bob', 'phone');
  const onB = await connect(nodeB, 'bob', 'phone');
  for (let i = 0; i < 40; i++) expect(await frame(onA)).toBe('NOT_YET_REGISTERED');
  for (let i = 0; i < 20; i++) expect(await frame(onB)).toBe('NOT_YET_REGISTERED');
  expect(await frame(onB)).toBe('RATE_LIMITED');
  expect(await frame(onA)).toBe('RATE_LIMITED');
});

it('spends one REST budget for a user across nodes', async () => {
  for (let i = 0; i < 30; i++) {
    expect((await get(nodeA.url, '/users/carol/unread', asUser('carol'))).status).toBe(200);
    expect((await get(nodeB.url, '/users/carol/unread', asUser('carol'))).status).toBe(200);
  }
  expect((await get(nodeA.url, '/users/carol/unread', asUser('carol'))).status).toBe(429);
  expect((await get(nodeB.url, '/users/carol/unread', asUser('carol'))).status).toBe(429);
});

it('keeps limiting in process, per node, while Redis is away', async () => {
  const onA = await connect(nodeA, 'dave', 'phone');
  await redis.stop();
  await eventually('the node sees Redis down', async () => {
    const answer = await get(nodeA.url, '/health/ready', OPERATOR);
    expect(answer.body).toMatchObject({ redis: 'down' });
  });
  for (let i = 0; i < 60; i++) expect(await frame(onA)).toBe('NOT_YET_REGISTERED');
  expect(await frame(onA)).toBe('RATE_LIMITED');
  expect((await get(nodeB.url, '/users/erin/unread', asUser('erin'))).status).toBe(200);
});
