/**
 * The change feed as clients use it: pushes numbered without gaps per user, a page of changes
 * since a position over REST, and a device that was offline resuming over its socket until it
 * shows exactly what a device that stayed online shows.
 */
import { type Socket, io } from 'socket.io-client';
import type {
  ClientToServerEvents,
  FeedPage,
  FeedUpdate,
  ReceiptUpdate,
  ResumeResult,
  ServerToClientEvents,
} from '@receipts/contracts';
import { type RunningApp, startApp } from './support/app';
import { type Device, devicePool, expectOk } from './support/devices';
import { clientState, feedOf, gapFree } from './support/feed-state';
import { CHAT_SERVER, type Problem, asUser, put, registerOk } from './support/http';
import { eventually } from './support/wait';

jest.setTimeout(30_000);

/** The projection runs on a thread of its own, slow to start on a busy machine. */
const soon = <T>(label: string, check: () => T | Promise<T>) =>
  eventually(label, check, { timeoutMs: 10_000 });

type DeviceSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

let running: RunningApp;
let url: string;
const pool = devicePool(() => url);
const sockets: DeviceSocket[] = [];

beforeAll(async () => {
  running = await startApp({ RECEIPTS_DEV_IDENTITY: 'on', RECEIPTS_FEED_RETENTION: '6' });
  url = running.url;
});
afterEach(() => {
  pool.closeAll();
  while (sockets.length > 0) sockets.pop()!.close();
});
afterAll(() => running?.close());

let run = 0;
/** Fresh user and conversation names per test. */
const names = () => {
  run += 1;
  const n = (name: string) => `${name}-${run}`;
  return { alice: n('alice'), bob: n('bob'), carol: n('carol'), dave: n('dave'), n };
};

const send = (conversationId: string, sequence: number, senderId: string, recipientIds: string[]) =>
  registerOk(url, {
    messageId: `m${sequence}`,
    conversationId,
    senderId,
    sequence,
    recipientIds,
  });

/** A device on a bare socket.io-client, recording every update it is pushed. */
const rawDevice = async (userId: string, deviceId: string) => {
  const socket: DeviceSocket = io(`${url}/receipts`, {
    auth: { userId, deviceId },
    transports: ['websocket'],
    reconnection: false,
  });
  sockets.push(socket);
  const pushed: ReceiptUpdate[] = [];
  socket.on('receipts', (updates) => pushed.push(...updates));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return { socket, pushed };
};

const resume = (socket: DeviceSocket, payload: unknown): Promise<ResumeResult> =>
  socket.timeout(5000).emitWithAck('receipt:resume', payload as never) as Promise<ResumeResult>;

/** `receipt:resume` page by page until the head: every change after `after`. */
const resumeAll = async (socket: DeviceSocket, after: number): Promise<FeedUpdate[]> => {
  const entries: FeedUpdate[] = [];
  for (let next = after; ;) {
    const page = await resume(socket, { after: next, limit: 2 });
    if (!page.ok) throw new Error(JSON.stringify(page.error));
    entries.push(...page.entries);
    next = page.next;
    if (next >= page.head) return entries;
  }
};

/** The feed's head, from a page or from the answer that the position is no longer served. */
const headOf = async (userId: string): Promise<number> => {
  const { body } = await feedOf(url, userId, '?limit=1');
  return 'head' in body
    ? body.head
    : ((body as unknown as Problem).details as { head: number }).head;
};

/** Waits for `head` changes in the user's feed, and for the device to have been told of each. */
const settled = (device: Device, userId: string, head: number) =>
  soon(`${device.name} has the ${head} positions of the feed`, async () => {
    expect(await headOf(userId)).toBe(head);
    expect(device.positions).toHaveLength(head);
  });

it('numbers the pushes to every device of a user 1, 2, 3... and serves the same changes as a page', async () => {
  const { alice, bob, carol, n } = names();
  const group = n('group');
  const phone = await pool.device(alice, 'phone');
  const bobPhone = await pool.device(bob, 'phone');
  const bobLaptop = await pool.device(bob, 'laptop');
  await send(group, 1, alice, [bob, carol]);
  await send(group, 2, alice, [bob, carol]);
  expectOk(await bobPhone.client.markDelivered(group, ['m1', 'm2']));
  expectOk(await bobPhone.client.markRead(group, 2));
  // Alice's own cursor moves with each message she sends (read_sync), then bob's receipts.
  await settled(phone, alice, 5);
  await settled(bobPhone, bob, 1);

  expect(gapFree(phone.positions)).toBe(true);
  const page = await feedOf(url, alice);
  expect(page.status).toBe(200);
  // The pushes' group counts were those just after each change; a page's are those of now.
  const withoutCounts = (updates: readonly FeedUpdate[]) =>
    JSON.parse(
      JSON.stringify(updates, (k, v: unknown) => (k === 'summary' ? undefined : v)),
    ) as unknown;
  expect(page.body).toMatchObject({ userId: alice, next: 5, head: 5 });
  expect(withoutCounts(page.body.entries)).toEqual(withoutCounts(phone.updates));
  expect(page.body.entries.map((e) => e.type)).toEqual([
    'read_sync',
    'read_sync',
    'delivered',
    'delivered',
    'read',
  ]);
  expect(page.body.entries[2]).toMatchObject({ summary: { deliveredCount: 1, readCount: 1 } });
  expect(page.body.entries[4]).toMatchObject({
    readerId: bob,
    messages: [1, 2].map((s) => ({
      sequence: s,
      summary: { totalRecipients: 2, deliveredCount: 1, readCount: 1 },
    })),
  });

  // The reading device is told the position of its own read, its other device the read itself.
  expect(bobPhone.updates).toEqual([]);
  expect(bobPhone.positions).toEqual([1]);
  expect(bobLaptop.updates).toEqual([
    {
      type: 'read_sync',
      position: 1,
      conversationId: group,
      readUpToSequence: 2,
      unread: 0,
      totalUnread: 0,
    },
  ]);
  expect((await feedOf(url, bob)).body.entries).toEqual(bobLaptop.updates);

  const later = await feedOf(url, alice, '?after=1&limit=1');
  expect(later.body).toMatchObject({ next: 2, head: 5, entries: [{ position: 2 }] });
  expect((await feedOf(url, alice, '?after=5')).body).toEqual({
    userId: alice,
    entries: [],
    next: 5,
    head: 5,
  });
});

it('shows a read made with receipts off as deliveries in the feed, never as a read', async () => {
  const { alice, bob, n } = names();
  const direct = n('direct');
  await send(direct, 1, alice, [bob]);
  const bobPhone = await pool.device(bob, 'phone');
  expect(
    (await put(url, `/users/${bob}/settings/read-receipts`, { enabled: false }, asUser(bob)))
      .status,
  ).toBe(200);
  expectOk(await bobPhone.client.markRead(direct, 1));
  await soon('the hidden read reached the feed', async () =>
    expect((await feedOf(url, alice)).body.entries).toEqual([
      expect.objectContaining({ type: 'read_sync', position: 1 }),
      expect.objectContaining({ type: 'delivered', position: 2, recipientId: bob }),
    ]),
  );
});

it('resumes a device that was offline to exactly what a device that stayed online shows', async () => {
  const { alice, bob, carol, dave, n } = names();
  const group = n('group');
  const direct = n('direct');
  const phone = await pool.device(alice, 'phone');
  const laptop = await pool.device(alice, 'laptop');
  const tablet = await rawDevice(alice, 'tablet');
  const bobPhone = await pool.device(bob, 'phone');
  const carolPhone = await pool.device(carol, 'phone');
  const davePhone = await pool.device(dave, 'phone');

  await send(group, 1, alice, [bob, carol, dave]);
  await send(group, 2, alice, [bob, carol, dave]);
  await send(direct, 1, bob, [alice]);
  expectOk(await bobPhone.client.markDelivered(group, ['m1']));
  // Two read_syncs (alice's cursor moved by sending), then the delivery.
  await soon('the tablet got the first delivery', () =>
    expect(tablet.pushed.map((u) => u.type)).toEqual(['read_sync', 'read_sync', 'delivered']),
  );
  const seen = tablet.pushed.map((u) => u.position);
  tablet.socket.close();

  // While the tablet is away: deliveries, reads (one hidden), and alice reading on her laptop.
  expect(
    (await put(url, `/users/${dave}/settings/read-receipts`, { enabled: false }, asUser(dave)))
      .status,
  ).toBe(200);
  expectOk(await carolPhone.client.markDelivered(group, ['m1', 'm2']));
  expectOk(await bobPhone.client.markRead(group, 2));
  expectOk(await davePhone.client.markRead(group, 1));
  expectOk(await laptop.client.markRead(direct, 1));
  await send(direct, 2, bob, [alice]);
  expectOk(await carolPhone.client.markRead(group, 1));
  // carol 2 deliveries, bob's read, dave's hidden read as a delivery, alice's read, carol's read.
  await settled(phone, alice, 9);
  await settled(laptop, alice, 9);
  expect(gapFree(phone.positions)).toBe(true);
  expect(gapFree(laptop.positions)).toBe(true);

  const back = await rawDevice(alice, 'tablet');
  const missed = await resumeAll(back.socket, Math.max(...seen));
  const tabletUpdates = [
    ...tablet.pushed.filter((u): u is FeedUpdate => u.type !== 'position'),
    ...missed,
  ];
  expect(tabletUpdates.map((u) => u.position)).toEqual(phone.positions);
  expect(clientState(tabletUpdates)).toEqual(clientState(phone.updates));
  expect(clientState(tabletUpdates).read).toEqual({
    [`${group}/m1`]: [bob, carol].sort(),
    [`${group}/m2`]: [bob],
  });
  expect(clientState(tabletUpdates).delivered[`${group}/m1`]).toEqual([bob, carol, dave].sort());
  expect(clientState(tabletUpdates).cursors[direct]).toEqual({ readUpTo: 1, unread: 0 });

  // Live again: the next change comes as a push with the next position.
  const next = phone.positions.length + 1;
  expectOk(await davePhone.client.markDelivered(group, ['m2']));
  await soon('the resumed tablet gets the next push', () =>
    expect(back.pushed.map((u) => u.position)).toContain(next),
  );
});

describe('positions the feed cannot serve', () => {
  it('answers a position older than the retention 410 RESYNC_REQUIRED with the head, over REST and socket', async () => {
    const { alice, bob, n } = names();
    const group = n('group');
    // Bob sends eight messages (his cursor moves each time) and alice gets them: 16 changes.
    const ids = Array.from({ length: 8 }, (_, i) => `m${i + 1}`);
    for (const [i] of ids.entries()) await send(group, i + 1, bob, [alice]);
    const alicePhone = await pool.device(alice, 'phone');
    expectOk(await alicePhone.client.markDelivered(group, ids));
    await soon('16 changes in the feed', async () => expect(await headOf(bob)).toBe(16));

    const expired = await feedOf(url, bob, '?after=9');
    expect(expired.status).toBe(410);
    expect(expired.body as unknown as Problem).toMatchObject({
      code: 'RESYNC_REQUIRED',
      retryable: false,
      details: { reason: 'expired', head: 16 },
    });
    expect((await feedOf(url, bob, '?after=10')).body.entries.map((e) => e.position)).toEqual([
      11, 12, 13, 14, 15, 16,
    ]);
    const { socket } = await rawDevice(bob, 'phone');
    const answer = await resume(socket, { after: 0 });
    expect(answer).toMatchObject({
      ok: false,
      error: { code: 'RESYNC_REQUIRED', details: { reason: 'expired', head: 16 } },
    });
    const ahead = await feedOf(url, bob, '?after=17');
    expect(ahead.status).toBe(410);
    expect(ahead.body as unknown as Problem).toMatchObject({ details: { reason: 'ahead' } });
  });

  it.each([
    ['?after=-1'],
    ['?after=1.5'],
    ['?after=x'],
    ['?limit=0'],
    ['?limit=501'],
    ['?since=3'],
  ])('answers %s 400 VALIDATION_FAILED', async (query) => {
    const answer = await feedOf(url, 'nobody', query);
    expect(answer.status).toBe(400);
    expect(answer.body as unknown as Problem).toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('lets a user read only their own feed, and a service any', async () => {
    const { alice, bob } = names();
    expect((await feedOf(url, alice, '', asUser(bob))).status).toBe(403);
    expect((await feedOf(url, alice, '', CHAT_SERVER)).body).toEqual({
      userId: alice,
      entries: [],
      next: 0,
      head: 0,
    } satisfies FeedPage);
  });

  it('answers a bad resume VALIDATION_FAILED', async () => {
    const { alice } = names();
    const { socket } = await rawDevice(alice, 'phone');
    for (const payload of [{}, { after: -1 }, { after: 0, limit: 501 }, { after: 'x' }]) {
      const answer = await resume(socket, payload);
      expect(answer).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    }
  });
});
