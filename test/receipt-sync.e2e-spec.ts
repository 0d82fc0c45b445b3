/**
 * Receipt sync as a chat screen uses it: start when the conversation opens, per-member progress
 * of the user's own messages to that device only, counts only for large groups, a cap per
 * device, and syncs that survive a short disconnect but stop by themselves after a longer one.
 */
import { type Socket, io } from 'socket.io-client';
import type {
  ClientToServerEvents,
  ProgressUpdate,
  ServerToClientEvents,
  SyncResult,
} from '@receipts/contracts';
import { type RunningApp, startApp } from './support/app';
import { devicePool, expectOk } from './support/devices';
import { CHAT_SERVER, asUser, get, registerOk } from './support/http';
import { delay, eventually } from './support/wait';

jest.setTimeout(30_000);

type DeviceSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

const LINGER_MS = 1500;
let running: RunningApp;
let url: string;
const pool = devicePool(() => url);
const sockets: DeviceSocket[] = [];

beforeAll(async () => {
  running = await startApp({
    RECEIPTS_DEV_IDENTITY: 'on',
    RECEIPTS_MAX_SYNCS_PER_DEVICE: '2',
    RECEIPTS_SYNC_MEMBER_DETAIL_MAX: '2',
    RECEIPTS_SYNC_LINGER_MS: String(LINGER_MS),
  });
  url = running.url;
});
afterEach(() => {
  pool.closeAll();
  while (sockets.length > 0) sockets.pop()!.close();
});
afterAll(() => running?.close());

let run = 0;
const names = () => {
  run += 1;
  const n = (name: string) => `${name}-${run}`;
  return { alice: n('alice'), bob: n('bob'), carol: n('carol'), dave: n('dave'), n };
};

/** A bare socket.io-client device that records the per-member progress it is sent. */
const syncingDevice = async (userId: string, deviceId: string) => {
  const socket: DeviceSocket = io(`${url}/receipts`, {
    auth: { userId, deviceId },
    transports: ['websocket'],
    reconnection: false,
  });
  sockets.push(socket);
  const progress: ProgressUpdate[] = [];
  socket.on('receipt:progress', (updates) => progress.push(...updates));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  const ask = (event: 'receipt:sync:start' | 'receipt:sync:stop', conversationId: string) =>
    socket.timeout(5000).emitWithAck(event, { conversationId }) as Promise<SyncResult>;
  return {
    socket,
    progress,
    start: (conversationId: string) => ask('receipt:sync:start', conversationId),
    stop: (conversationId: string) => ask('receipt:sync:stop', conversationId),
  };
};

const projected = (conversationId: string, userId: string) =>
  eventually(
    `${conversationId} projected for ${userId}`,
    async () => {
      const answer = await get(
        url,
        `/users/${userId}/conversations/${conversationId}/unread`,
        asUser(userId),
      );
      expect(answer.status).toBe(200);
    },
    { timeoutMs: 10_000 },
  );

const send = (conversationId: string, sequence: number, senderId: string, recipientIds: string[]) =>
  registerOk(url, { messageId: `m${sequence}`, conversationId, senderId, sequence, recipientIds });

it('streams who delivered and who read, with times, only to the device syncing the conversation', async () => {
  const { alice, bob, carol, n } = names();
  const small = n('small');
  await send(small, 1, alice, [bob, carol]);
  await projected(small, alice);
  const phone = await syncingDevice(alice, 'phone');
  const laptop = await syncingDevice(alice, 'laptop');
  expect(await phone.start(small)).toEqual({
    ok: true,
    conversationId: small,
    syncing: [small],
    memberDetailMax: 2,
  });
  const bobPhone = await pool.device(bob, 'phone');
  expectOk(await bobPhone.client.markDelivered(small, ['m1']));
  expectOk(await bobPhone.client.markRead(small, 1));

  await eventually('the syncing device got both steps', () =>
    expect(phone.progress).toEqual([
      {
        type: 'member_delivered',
        conversationId: small,
        messageId: 'm1',
        sequence: 1,
        userId: bob,
        deliveredAt: expect.any(String) as unknown,
      },
      {
        type: 'member_read',
        conversationId: small,
        userId: bob,
        readUpToSequence: 1,
        readAt: expect.any(String) as unknown,
        messages: [{ messageId: 'm1', sequence: 1 }],
      },
    ]),
  );
  expect(laptop.progress).toEqual([]);

  expect(await phone.stop(small)).toMatchObject({ ok: true, syncing: [] });
  const carolPhone = await pool.device(carol, 'phone');
  expectOk(await carolPhone.client.markDelivered(small, ['m1']));
  const detail = await get(url, `/conversations/${small}/messages/m1/receipts`, asUser(alice));
  await eventually('carol delivered', () => expect(JSON.stringify(detail.body)).toContain(carol));
  await delay(200);
  expect(phone.progress).toHaveLength(2);
});

it('sends counts only for a message to more members than the detail limit', async () => {
  const { alice, bob, carol, dave, n } = names();
  const large = n('large');
  await send(large, 1, alice, [bob, carol, dave]);
  await projected(large, alice);
  const phone = await syncingDevice(alice, 'phone');
  expect(await phone.start(large)).toMatchObject({ ok: true });
  const bobPhone = await pool.device(bob, 'phone');
  expectOk(await bobPhone.client.markRead(large, 1));
  await eventually('counts, not members', () =>
    expect(phone.progress).toEqual([
      {
        type: 'counts',
        conversationId: large,
        messageId: 'm1',
        sequence: 1,
        summary: expect.objectContaining({
          totalRecipients: 3,
          deliveredCount: 1,
          readCount: 1,
        }) as unknown,
      },
    ]),
  );
});

it('pages the detail view through the members, for the sender who opens it', async () => {
  const { alice, bob, carol, dave, n } = names();
  const large = n('paged');
  await send(large, 1, alice, [dave, bob, carol]);
  await projected(large, alice);
  const path = `/conversations/${large}/messages/m1/receipts`;
  type Page = { recipients: { userId: string }[]; next: string | null; summary: unknown };
  const first = (await get(url, `${path}?limit=2`, asUser(alice))).body as Page;
  expect(first.recipients.map((r) => r.userId)).toEqual([bob, carol]);
  expect(first.next).toBe(carol);
  expect(first.summary).toMatchObject({ totalRecipients: 3 });
  const second = (await get(url, `${path}?after=${first.next}&limit=2`, asUser(alice)))
    .body as Page;
  expect([second.recipients.map((r) => r.userId), second.next]).toEqual([[dave], null]);
  expect((await get(url, `${path}?limit=0`, asUser(alice))).status).toBe(400);
  expect((await get(url, `${path}?limit=2`, asUser(bob))).status).toBe(404);
});

it('lets only members sync, and at most the limit of conversations per device', async () => {
  const { alice, bob, dave, n } = names();
  const [one, two, three] = [n('one'), n('two'), n('three')];
  for (const c of [one, two, three]) await send(c, 1, bob, [alice]);
  await projected(three, alice);
  const outsider = await syncingDevice(dave, 'phone');
  expect(await outsider.start(one)).toMatchObject({
    ok: false,
    error: { code: 'UNKNOWN_CONVERSATION', retryable: false },
  });
  const phone = await syncingDevice(alice, 'phone');
  expect(await phone.start(one)).toMatchObject({ ok: true });
  expect(await phone.start(two)).toMatchObject({ ok: true, syncing: [one, two] });
  expect(await phone.start(two)).toMatchObject({ ok: true, syncing: [one, two] });
  expect(await phone.start(three)).toMatchObject({
    ok: false,
    error: { code: 'TOO_MANY_SYNCS', retryable: false, details: { limit: 2 } },
  });
  expect(await phone.stop(one)).toMatchObject({ ok: true, syncing: [two] });
  expect(await phone.start(three)).toMatchObject({ ok: true, syncing: [two, three] });
  const tablet = await syncingDevice(alice, 'tablet');
  expect(await tablet.start(one)).toMatchObject({ ok: true, syncing: [one] });
  const bad = (await phone.socket
    .timeout(5000)
    .emitWithAck('receipt:sync:start', { conversationId: 'not an id' })) as SyncResult;
  expect(bad).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
});

it('keeps a sync through a short disconnect, and stops it by itself after a longer one', async () => {
  const { alice, bob, carol, n } = names();
  const chat = n('chat');
  await send(chat, 1, alice, [bob, carol]);
  await send(chat, 2, alice, [bob, carol]);
  await projected(chat, alice);
  const bobPhone = await pool.device(bob, 'phone');

  const first = await syncingDevice(alice, 'phone');
  expect(await first.start(chat)).toMatchObject({ ok: true });
  first.socket.close();
  const back = await syncingDevice(alice, 'phone');
  expectOk(await bobPhone.client.markDelivered(chat, ['m1']));
  await eventually('the sync survived the reconnect', () =>
    expect(back.progress.map((u) => u.type)).toEqual(['member_delivered']),
  );

  back.socket.close();
  await delay(LINGER_MS + 500);
  const late = await syncingDevice(alice, 'phone');
  expectOk(await bobPhone.client.markDelivered(chat, ['m2']));
  const detail = async () =>
    JSON.stringify(
      (await get(url, `/conversations/${chat}/messages/m2/receipts`, CHAT_SERVER)).body,
    );
  await eventually('m2 delivered', async () => expect(await detail()).toContain('delivered'));
  await delay(200);
  expect(late.progress).toEqual([]);
  expect(await late.start(chat)).toMatchObject({ ok: true, syncing: [chat] });
});
