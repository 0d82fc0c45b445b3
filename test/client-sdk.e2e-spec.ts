import { ReceiptsClient } from '@receipts/client';
import { type RunningApp, startApp } from './support/app';
import { uniqueIds } from './support/devices';
import { registerOk } from './support/http';
import { eventually } from './support/wait';

/**
 * The SDK against the running service, as an app uses it: its local state after pushes, and
 * after a reconnection that missed them.
 */
let running: RunningApp;
const open: ReceiptsClient[] = [];
const unique = uniqueIds();
jest.setTimeout(30_000);

beforeAll(async () => {
  running = await startApp();
});
afterEach(() => {
  while (open.length > 0) open.pop()!.close();
});
afterAll(async () => {
  await running.close();
});

const device = async (userId: string, deviceId: string): Promise<ReceiptsClient> => {
  const client = new ReceiptsClient({ url: running.url, userId, deviceId, batchWindowMs: 20 });
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

  it('ends, after a reconnection that missed every push, where a device that stayed online is', async () => {
    const [alice, bob, carol, dave] = [
      unique('alice'),
      unique('bob'),
      unique('carol'),
      unique('dave'),
    ];
    const aliceOnline = await device(alice, 'laptop');
    const aliceAway = await device(alice, 'phone');
    const bobPhone = await device(bob, 'phone');
    const bobTablet = await device(bob, 'tablet');
    const carolPhone = await device(carol, 'phone');
    const { conversationId: group, ids } = await chat(aliceOnline, alice, [bob, carol, dave], 3);
    for (const [i, id] of ids.entries()) aliceAway.trackSent(group, id, i + 1, 3);
    await settled('registered', async () => {
      await bobTablet.refresh();
      expect(bobTablet.state.unread(group)).toBe(3);
    });

    aliceAway.disconnect();
    bobTablet.disconnect();
    const missed: unknown[] = [];
    aliceAway.on('receipts', (u) => missed.push(...u));
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
    // The detail after a snapshot also lists who has not acted yet; pushes name only who did.
    const acted = (client: ReceiptsClient, id: string) =>
      (client.state.message(group, id)?.members ?? []).filter((m) => m.status !== 'sent');
    await settled('the device that stayed online', () =>
      expect(counts(aliceOnline)).toEqual(expected),
    );
    expect(missed).toEqual([]);

    await Promise.all([aliceAway.connect(), bobTablet.connect()]);
    await settled('the device that was away, after catching up', () => {
      expect(counts(aliceAway)).toEqual(expected);
      expect(acted(aliceAway, ids[1]!)).toEqual(acted(aliceOnline, ids[1]!));
      expect(acted(aliceAway, ids[1]!).map((m) => m.status)).toEqual(['read', 'read']);
      expect(bobTablet.state.unread(group)).toBe(1);
    });
    expect(missed).toEqual([]);
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
