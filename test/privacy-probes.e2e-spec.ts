/**
 * Probes of docs/SECURITY.md and the "read receipts off" rules of docs/PROTOCOL.md, tried as a
 * curious user would: asking about what is not theirs, and watching every path (pushes, REST
 * detail and summary, cached answers while the setting flips, other users' devices, /metrics)
 * for a read made with receipts off. The flows already covered in receipts-flow and auth*.e2e-spec
 * are not repeated here.
 */
import type { FeedUpdate } from '@receipts/contracts';
import { type Device, devicePool, expectOk, uniqueIds } from './support/devices';
import { DEV_IDENTITY, type RunningApp, startApp } from './support/app';
import { WITHOUT_RATE_LIMITS } from './support/fuzz';
import {
  CHAT_SERVER,
  type HttpAnswer,
  OPERATOR,
  asUser,
  counter,
  detail,
  get,
  put,
  registerOk,
  summary,
} from './support/http';
import { eventually } from './support/wait';

jest.setTimeout(30_000);

let running: RunningApp;
let url: string;
const unique = uniqueIds();
const { device, closeAll } = devicePool(() => url);

/** Registers `count` messages from `sender` to `to` in `conversationId`; returns their ids. */
const send = async (sender: string, to: string[], conversationId: string, count: number) => {
  const ids: string[] = [];
  for (let sequence = 1; sequence <= count; sequence++) {
    const messageId = unique('m');
    await registerOk(url, {
      messageId,
      conversationId,
      senderId: sender,
      sequence,
      recipientIds: to,
    });
    ids.push(messageId);
  }
  return ids;
};

/**
 * Pushes are projected in log order: once a message that `userId` sends in a fresh conversation
 * has reached `on` as a read_sync, every push caused earlier has arrived too.
 */
const barrier = async (userId: string, ...on: Device[]): Promise<void> => {
  const conversationId = unique('barrier');
  await send(userId, [unique('nobody')], conversationId, 1);
  for (const d of on) await d.waitFor('read_sync', (u) => u.conversationId === conversationId);
};

const setReceipts = async (userId: string, enabled: boolean): Promise<void> => {
  const answer = await put(
    url,
    `/users/${userId}/settings/read-receipts`,
    { enabled },
    asUser(userId),
  );
  expect(answer.status).toBe(200);
};

/**
 * Asks for the sender's views of `messages` again and again while `during` runs and for one cache
 * lifetime after it, keeping every answer: a hidden read must not show in any of them.
 */
const watchSenderViews = async (
  sender: string,
  conversationId: string,
  messages: string[],
  during: () => Promise<void>,
): Promise<Array<HttpAnswer>> => {
  const seen: HttpAnswer[] = [];
  let stopAt = Number.POSITIVE_INFINITY;
  const poll = async (): Promise<void> => {
    for (let round = 0; round < 400 && Date.now() < stopAt; round++) {
      for (const m of messages) {
        seen.push(await summary(url, conversationId, m, sender));
        seen.push(await detail(url, conversationId, m, sender));
      }
    }
  };
  const polling = poll();
  await during();
  stopAt = Date.now() + CACHE_TTL_MS + 200;
  await polling;
  return seen;
};
const CACHE_TTL_MS = 1500; // the default RECEIPTS_CACHE_TTL_MS that startApp keeps

/** Nothing in these answers or pushes says that `reader` read anything. */
const expectNoReadBy = (reader: string, readerDevice: string, things: unknown[]): void => {
  for (const thing of things) {
    const text = JSON.stringify(thing);
    expect(text).not.toContain(readerDevice);
    expect(text).not.toMatch(/"readCount":[1-9]/);
    expect(text).not.toContain(`"readerId":"${reader}"`);
    const recipients = (thing as { body?: { recipients?: Array<{ userId: string }> } }).body
      ?.recipients;
    for (const r of recipients ?? []) {
      if (r.userId === reader) expect(r).not.toHaveProperty('readAt');
      if (r.userId === reader) expect(r).not.toMatchObject({ status: 'read' });
    }
  }
};

beforeAll(async () => {
  // The probes poll views through a whole cache lifetime; the rate limits have their own tests.
  running = await startApp({ ...DEV_IDENTITY, ...WITHOUT_RATE_LIMITS });
  url = running.url;
});

afterEach(() => {
  closeAll();
});

afterAll(async () => {
  await running?.close();
});

describe('asking about what is not yours', () => {
  it('a user gets the same answer about another conversation whether or not it exists: unread', async () => {
    const [alice, bob, eve] = [unique('alice'), unique('bob'), unique('eve')];
    const dm = unique('dm');
    await send(alice, [bob], dm, 1);
    await eventually('registered', async () => {
      expect((await get(url, `/users/${bob}/conversations/${dm}/unread`, asUser(bob))).status).toBe(
        200,
      );
    });
    const existing = await get(url, `/users/${eve}/conversations/${dm}/unread`, asUser(eve));
    const missing = await get(
      url,
      `/users/${eve}/conversations/${unique('dm')}/unread`,
      asUser(eve),
    );
    expect(existing).toEqual(missing);
    expect(existing).toMatchObject({ status: 404, body: { code: 'UNKNOWN_CONVERSATION' } });
  });

  it('a user gets the same answer about a message of others whether or not it exists: detail and summary', async () => {
    const [alice, bob, eve] = [unique('alice'), unique('bob'), unique('eve')];
    const dm = unique('dm');
    const [m1] = await send(alice, [bob], dm, 1);
    await eventually('registered', async () => {
      expect((await detail(url, dm, m1!, alice)).status).toBe(200);
    });
    const strip = (a: HttpAnswer) => ({ status: a.status, body: a.body });
    for (const view of [detail, summary]) {
      const existing = strip(await view(url, dm, m1!, eve));
      expect(strip(await view(url, dm, unique('m'), eve))).toEqual(existing);
      expect(strip(await view(url, unique('dm'), m1!, eve))).toEqual(existing);
    }
  });

  it('nobody but the user changes their read receipts setting, not even a service; nothing is written', async () => {
    const dave = unique('dave');
    const before = await counter(url, 'receipts_events_appended_total');
    for (const [headers, status, code] of [
      [CHAT_SERVER, 403, 'FORBIDDEN'],
      [asUser(unique('alice')), 403, 'FORBIDDEN'],
      [{}, 401, 'UNAUTHENTICATED'],
    ] as const) {
      const path = `/users/${dave}/settings/read-receipts`;
      const answer = await put(url, path, { enabled: false }, headers);
      expect({ status: answer.status, body: answer.body }).toMatchObject({
        status,
        body: { code },
      });
    }
    expect(await counter(url, 'receipts_events_appended_total')).toBe(before);
  });
});

describe('a read made with read receipts off shows on no path', () => {
  it("not in pushes to anyone, nor in the sender's views or cached answers while the setting flips on and off", async () => {
    const [alice, carol, dave] = [unique('alice'), unique('carol'), unique('dave')];
    const group = unique('group');
    const daveDevice = unique('dave-device');
    const alicePhone = await device(alice, 'phone');
    const carolPhone = await device(carol, 'phone');
    const davePhone = await device(dave, daveDevice);
    const daveLaptop = await device(dave, 'laptop');
    await setReceipts(dave, false);
    const messages = await send(alice, [dave, carol], group, 2);
    await eventually('registered', async () => {
      expect((await summary(url, group, messages[1]!, alice)).status).toBe(200);
    });

    const seen = await watchSenderViews(alice, group, messages, async () => {
      expectOk(await davePhone.client.markRead(group, 2), 1);
      // Flip the setting without reading: turning receipts on reveals no earlier read.
      await setReceipts(dave, true);
      await setReceipts(dave, false);
      await setReceipts(dave, true);
      await alicePhone.waitFor(
        'delivered',
        (u) => u.recipientId === dave && u.messageId === messages[1],
      );
    });
    expect(seen.length).toBeGreaterThan(4);
    expect(seen.every((a) => a.status === 200)).toBe(true);
    expectNoReadBy(dave, daveDevice, seen);

    await barrier(alice, alicePhone);
    await barrier(carol, carolPhone);
    await barrier(dave, daveLaptop);
    expectNoReadBy(dave, daveDevice, alicePhone.updates);
    expect(alicePhone.of('read')).toEqual([]);
    // The sender's read_syncs are her own cursor (moved by sending), never the reader's.
    for (const sync of alicePhone.of('read_sync', group)) {
      expect(sync).toMatchObject({ unread: 0, readUpToSequence: expect.any(Number) as unknown });
      expect([1, 2]).toContain(sync.readUpToSequence);
    }
    // Another recipient hears nothing of it at all.
    const aboutGroup = (u: FeedUpdate) => u.conversationId === group;
    expect(carolPhone.updates.filter(aboutGroup)).toEqual([]);
    // The reader's own other device is synced, with the real counts.
    expect(daveLaptop.of('read_sync', group)).toEqual([
      {
        type: 'read_sync',
        position: 1,
        conversationId: group,
        readUpToSequence: 2,
        unread: 0,
        totalUnread: 0,
      },
    ]);
    // Now on, and no new read: the views still say delivered.
    expectNoReadBy(dave, daveDevice, [
      await summary(url, group, messages[0]!, alice),
      await detail(url, group, messages[1]!, alice),
    ]);

    // /metrics carries counts only, never who, where or which message; and since its counters
    // move with a hidden read (receipts_privacy_filtered_total), only operators may read it.
    expect((await get(url, '/metrics')).status).toBe(401);
    expect((await get(url, '/metrics', asUser(alice))).status).toBe(403);
    const metrics = String((await get(url, '/metrics', OPERATOR)).body);
    expect(metrics).toContain('receipts_privacy_filtered_total');
    for (const id of [dave, daveDevice, group, ...messages]) expect(metrics).not.toContain(id);
  });

  it('a read sent right after turning receipts off is hidden, although the one before it was shown', async () => {
    const [alice, dave] = [unique('alice'), unique('dave')];
    const dm = unique('dm');
    const daveDevice = unique('dave-device');
    const alicePhone = await device(alice, 'phone');
    const davePhone = await device(dave, daveDevice);
    const [m1, m2] = await send(alice, [dave], dm, 2);
    await eventually('registered', async () => {
      expect((await summary(url, dm, m2!, alice)).status).toBe(200);
    });
    expectOk(await davePhone.client.markRead(dm, 1), 1);
    const shown = await alicePhone.waitFor('read', (u) => u.readerId === dave);
    expect(shown.messages.map((m) => m.messageId)).toEqual([m1]);

    const seen = await watchSenderViews(alice, dm, [m2!], async () => {
      await setReceipts(dave, false);
      expectOk(await davePhone.client.markRead(dm, 2), 1); // no pause between the two
      await alicePhone.waitFor('delivered', (u) => u.messageId === m2);
    });
    expectNoReadBy(dave, daveDevice, seen);
    await barrier(alice, alicePhone);
    expect(alicePhone.of('read')).toEqual([shown]);
    expect((await summary(url, dm, m1!, alice)).body).toMatchObject({ readCount: 1 });
    expect((await summary(url, dm, m2!, alice)).body).toMatchObject({
      deliveredCount: 1,
      readCount: 0,
    });
  });
});
