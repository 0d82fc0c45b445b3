import { ReceiptsClient, type ReceiptsClientOptions } from '@receipts/client';
import type { ProgressUpdate, ReceiptUpdate } from '@receipts/contracts';
import { type RunningApp, startApp } from './support/app';
import { uniqueIds } from './support/devices';
import { registerOk } from './support/http';
import { delay, eventually } from './support/wait';

/**
 * The SDK against the running service, as an app uses it: its local state after pushes, after
 * a reconnection that missed them (caught up through the change feed), after a restart from a
 * position the feed no longer keeps, and a receipt sync that survives a reconnection.
 */
const RETENTION = 20;
const LINGER_MS = 400;
let running: RunningApp;
const open: ReceiptsClient[] = [];
const unique = uniqueIds();
jest.setTimeout(30_000);

beforeAll(async () => {
  running = await startApp({
    RECEIPTS_DEV_IDENTITY: 'on',
    RECEIPTS_FEED_RETENTION: String(RETENTION),
    RECEIPTS_SYNC_LINGER_MS: String(LINGER_MS),
  });
});
afterEach(() => {
  while (open.length > 0) open.pop()!.close();
});
afterAll(async () => {
  await running.close();
});

const device = async (
  userId: string,
  deviceId: string,
  options: Partial<Pick<ReceiptsClientOptions, 'refreshOnConnect' | 'resumeFrom'>> = {},
): Promise<ReceiptsClient> => {
  const client = new ReceiptsClient({
    url: running.url,
    userId,
    deviceId,
    batchWindowMs: 20,
    ...options,
  });
  open.push(client);
  await client.connect();
  return client;
};

/** A chat of `sender` with `recipients`: registers `count` messages, the sender tracks them. */
const chat = async (
  sender: ReceiptsClient,
  senderId: string,
  recipients: string[],
  count: number,
) => {
  const conversationId = unique('c');
  const ids: string[] = [];
  for (let sequence = 1; sequence <= count; sequence += 1) {
    const messageId = unique('m');
    ids.push(messageId);
    await registerOk(running.url, {
      messageId,
      conversationId,
      senderId,
      sequence,
      recipientIds: recipients,
    });
    sender.trackSent(conversationId, messageId, sequence, recipients.length);
  }
  return { conversationId, ids };
};

const settled = <T>(label: string, check: () => T) =>
  eventually(label, check, { timeoutMs: 10_000, intervalMs: 20 });

describe('the SDK against the service', () => {
  it("renders the sender's ticks and the reader's badges on every device from pushes", async () => {
    const [alice, bob] = [unique('alice'), unique('bob')];
    const aliceApp = await device(alice, 'phone');
    const bobPhone = await device(bob, 'phone');
    const bobLaptop = await device(bob, 'laptop');
    const { conversationId: dm, ids } = await chat(aliceApp, alice, [bob], 2);
    expect(aliceApp.state.message(dm, ids[0]!)).toMatchObject({ status: 'sent' });
    await settled('bob sees 2 unread', async () => {
      await bobLaptop.refresh();
      expect(bobLaptop.state.unread(dm)).toBe(2);
    });

    expect(await bobPhone.markDelivered(dm, ids)).toMatchObject({ ok: true, applied: 2 });
    await settled('delivered ticks', () =>
      expect(aliceApp.state.conversation(dm).map((m) => m.status)).toEqual([
        'delivered',
        'delivered',
      ]),
    );
    const syncs: number[] = [];
    bobLaptop.on('readSync', (u) => syncs.push(u.unread));
    expect(await bobPhone.markRead(dm, 1)).toMatchObject({ ok: true, applied: 1 });
    await settled('read tick on the first message only', () =>
      expect(aliceApp.state.conversation(dm).map((m) => m.status)).toEqual(['read', 'delivered']),
    );
    await settled("the reader's badges on both devices", () => {
      expect(bobLaptop.state.unread(dm)).toBe(1);
      expect(bobPhone.state.unread(dm)).toBe(1);
      expect(bobPhone.state.totalUnread).toBe(1);
    });
    expect(syncs).toEqual([1]);
  });

  it('catches up through the feed after a reconnection that missed every push, without snapshots', async () => {
    const [alice, bob, carol, dave] = [
      unique('alice'),
      unique('bob'),
      unique('carol'),
      unique('dave'),
    ];
    const aliceOnline = await device(alice, 'laptop');
    // No snapshot on any connection: what it knows after coming back came from the feed.
    const aliceAway = await device(alice, 'phone', { refreshOnConnect: false });
    const bobPhone = await device(bob, 'phone');
    const bobTablet = await device(bob, 'tablet', { refreshOnConnect: false });
    const carolPhone = await device(carol, 'phone');
    const { conversationId: group, ids } = await chat(aliceOnline, alice, [bob, carol, dave], 3);
    for (const [i, id] of ids.entries()) aliceAway.trackSent(group, id, i + 1, 3);
    await settled('registered', async () => {
      await bobTablet.refresh();
      expect(bobTablet.state.unread(group)).toBe(3);
    });
    await settled('both away devices know where they are', () => {
      expect(aliceAway.position).not.toBeNull();
      expect(bobTablet.position).not.toBeNull();
    });

    aliceAway.disconnect();
    bobTablet.disconnect();
    const sources = (client: ReceiptsClient) => {
      const seen: Array<{ source: string; updates: ReceiptUpdate[] }> = [];
      client.on('receipts', (updates, source) => seen.push({ source, updates }));
      return seen;
    };
    const awaySeen = sources(aliceAway);
    const tabletSeen = sources(bobTablet);
    const caughtUp: number[] = [];
    aliceAway.on('caughtUp', ({ entries }) => caughtUp.push(entries));
    await Promise.all([
      bobPhone.markDeliveredUpTo(group, 3),
      carolPhone.markDeliveredUpTo(group, 3),
      bobPhone.markRead(group, 2),
      carolPhone.markRead(group, 3),
    ]);
    const expected = [
      { deliveredCount: 2, readCount: 2, status: 'sent' },
      { deliveredCount: 2, readCount: 2, status: 'sent' },
      { deliveredCount: 2, readCount: 1, status: 'sent' },
    ];
    const counts = (client: ReceiptsClient) =>
      client.state.conversation(group).map(({ deliveredCount, readCount, status }) => ({
        deliveredCount,
        readCount,
        status,
      }));
    const acted = (client: ReceiptsClient, id: string) =>
      (client.state.message(group, id)?.members ?? []).filter((m) => m.status !== 'sent');
    await settled('the device that stayed online', () =>
      expect(counts(aliceOnline)).toEqual(expected),
    );
    expect(awaySeen).toEqual([]);
    expect(counts(aliceAway)).toEqual(
      ids.map(() => ({ deliveredCount: 0, readCount: 0, status: 'sent' })),
    );

    await Promise.all([aliceAway.connect(), bobTablet.connect()]);
    await settled('the device that was away, after catching up', () => {
      expect(counts(aliceAway)).toEqual(expected);
      for (const id of ids) expect(acted(aliceAway, id)).toEqual(acted(aliceOnline, id));
      expect(acted(aliceAway, ids[1]!).map((m) => m.status)).toEqual(['read', 'read']);
      expect(bobTablet.state.unread(group)).toBe(1);
    });
    expect(awaySeen.map((s) => s.source)).toEqual(awaySeen.map(() => 'feed'));
    expect(tabletSeen.map((s) => s.source)).toContain('feed');
    const positions = awaySeen.flatMap((s) => s.updates.map((u) => u.position));
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(new Set(positions).size).toBe(positions.length);
    expect(caughtUp.at(-1)).toBe(positions.length);
    expect(aliceAway.position).toBe(aliceOnline.position);
  });

  it('resyncs from the snapshots when restarted from a position the feed no longer keeps', async () => {
    const [alice, bob] = [unique('alice'), unique('bob')];
    const aliceApp = await device(alice, 'phone');
    const bobPhone = await device(bob, 'phone');
    const { conversationId: dm, ids } = await chat(aliceApp, alice, [bob], RETENTION + 5);
    expect(await bobPhone.markDelivered(dm, ids)).toMatchObject({ ok: true });
    await settled('every delivery pushed', () =>
      expect(aliceApp.state.conversation(dm).every((m) => m.status === 'delivered')).toBe(true),
    );
    // Her feed: the sender's own read of each registration, and each delivery.
    const head = aliceApp.position!;
    expect(head).toBeGreaterThan(RETENTION + 1);
    aliceApp.close();

    // The app restarts with a position it kept long ago: the feed has dropped what follows it.
    const restarted = new ReceiptsClient({
      url: running.url,
      userId: alice,
      deviceId: 'phone',
      batchWindowMs: 20,
      resumeFrom: 1,
    });
    open.push(restarted);
    for (const [i, id] of ids.entries()) restarted.trackSent(dm, id, i + 1, 1);
    const resyncs: unknown[] = [];
    restarted.on('resync', (r) => resyncs.push(r));
    await restarted.connect();
    await settled('resynced', () => {
      expect(resyncs).toEqual([{ reason: 'expired', head }]);
      expect(restarted.position).toBe(head);
    });
    await settled('the snapshot reloaded the newest messages', () =>
      expect(restarted.state.message(dm, ids.at(-1)!)).toMatchObject({ status: 'delivered' }),
    );
    // Live from the head on: the next change is the next position.
    expect(await bobPhone.markRead(dm, RETENTION + 5)).toMatchObject({ ok: true });
    await settled('read, live', () => {
      expect(restarted.state.message(dm, ids.at(-1)!)).toMatchObject({ status: 'read' });
      expect(restarted.position).toBe(head + 1);
    });
  });

  it('streams per-member progress only while a sync is started, and again after a reconnection', async () => {
    const [alice, bob, carol, dave] = [
      unique('alice'),
      unique('bob'),
      unique('carol'),
      unique('dave'),
    ];
    const aliceApp = await device(alice, 'phone');
    const phones = {
      [bob]: await device(bob, 'phone'),
      [carol]: await device(carol, 'phone'),
      [dave]: await device(dave, 'phone'),
    };
    const { conversationId: group, ids } = await chat(aliceApp, alice, [bob, carol, dave], 3);
    const progress: ProgressUpdate[] = [];
    aliceApp.on('progress', (updates) => progress.push(...updates));
    const delivered = (userId: string, sequence: number) =>
      progress.filter(
        (p) => p.type === 'member_delivered' && p.userId === userId && p.sequence === sequence,
      );

    await expect(aliceApp.startReceiptSync(group)).resolves.toMatchObject({
      conversationId: group,
      syncing: [group],
    });
    await expect(aliceApp.startReceiptSync(group)).resolves.toMatchObject({ syncing: [group] });
    await aliceApp.loadDetail(group, ids[0]!);
    await phones[bob]!.markDelivered(group, [ids[0]!]);
    await settled('progress while synced', () => expect(delivered(bob, 1)).toHaveLength(1));
    expect(aliceApp.state.message(group, ids[0]!)?.members).toEqual(
      expect.arrayContaining([expect.objectContaining({ userId: bob, status: 'delivered' })]),
    );

    await aliceApp.stopReceiptSync(group);
    expect(aliceApp.syncing).toEqual([]);
    await phones[carol]!.markDelivered(group, [ids[0]!]);
    await settled('the receipts push still comes', () =>
      expect(aliceApp.state.message(group, ids[0]!)?.deliveredCount).toBe(2),
    );
    await delay(200);
    expect(delivered(carol, 1)).toEqual([]);

    // Away for longer than the server keeps a device's syncs: the SDK starts it again.
    await aliceApp.startReceiptSync(group);
    aliceApp.disconnect();
    await delay(LINGER_MS * 2);
    await aliceApp.connect();
    await settled('synced again', () => expect(aliceApp.syncing).toEqual([group]));
    await delay(200);
    await phones[dave]!.markDelivered(group, [ids[1]!]);
    await settled('progress after the reconnection', () =>
      expect(delivered(dave, 2)).toHaveLength(1),
    );
  });

  it('refuses a sync of a conversation the user is not in, as a typed error', async () => {
    const stranger = await device(unique('eve'), 'phone');
    await expect(stranger.startReceiptSync(unique('c'))).rejects.toMatchObject({
      code: 'UNKNOWN_CONVERSATION',
      retryable: false,
    });
    expect(stranger.syncing).toEqual([]);
  });

  it('keeps the ACKs made offline and applies them on reconnect', async () => {
    const [alice, bob] = [unique('alice'), unique('bob')];
    const aliceApp = await device(alice, 'phone');
    const bobPhone = await device(bob, 'phone');
    const { conversationId: dm, ids } = await chat(aliceApp, alice, [bob], 1);
    bobPhone.disconnect();
    const answer = bobPhone.markRead(dm, 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(aliceApp.state.message(dm, ids[0]!)).toMatchObject({ status: 'sent' });
    await bobPhone.connect();
    expect(await answer).toMatchObject({ ok: true, applied: 1 });
    await settled('read after the reconnection', () =>
      expect(aliceApp.state.message(dm, ids[0]!)).toMatchObject({ status: 'read', readCount: 1 }),
    );
  });
});
