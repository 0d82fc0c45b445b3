/**
 * The receipt flow end to end, in-process: REST registration, ACKs over real socket.io-client
 * connections, the pushes each device gets, and the REST read side.
 */
import { type Device, devicePool, uniqueIds } from './support/devices';
import { anyString, containing } from './support/matchers';
import { type RunningApp, startApp } from './support/app';
import {
  type HttpAnswer,
  asUser,
  counter,
  detail,
  eventsAppended,
  get,
  postRaw,
  put,
  receiptOf,
  register,
  registerOk,
  statusByUser,
  summary,
  unreadIn,
  unreadTotal,
} from './support/http';
import { delay, eventually } from './support/wait';
import { io } from 'socket.io-client';
import { ReceiptsClient } from '@receipts/client';

jest.setTimeout(20_000);

let running: RunningApp;
let url: string;
const unique = uniqueIds();
const { device, closeAll } = devicePool(() => url);

/** Expects REST to eventually answer `status` with a body matching `expected` (projector is async). */
const eventuallyRest = <T>(
  label: string,
  call: () => Promise<{ status: number; body: T }>,
  expected: unknown,
  status = 200,
): Promise<T> =>
  eventually(label, async () => {
    const answer = await call();
    expect(answer.status).toBe(status);
    expect(answer.body).toMatchObject(expected as object);
    return answer.body;
  });

/**
 * A barrier for "this device got NO such push": registers a message sent by `userId` in a fresh
 * conversation, which pushes a read_sync to all of that user's devices. Pushes are projected in
 * log order, so once the barrier arrived on `devices`, anything caused earlier has arrived too.
 */
const barrier = async (userId: string, ...on: Device[]): Promise<void> => {
  const conversationId = unique('barrier');
  await registerOk(url, {
    messageId: unique('b'),
    conversationId,
    senderId: userId,
    sequence: 1,
    recipientIds: [unique('nobody')],
  });
  for (const d of on) await d.waitFor('read_sync', (u) => u.conversationId === conversationId);
};

beforeAll(async () => {
  running = await startApp();
  url = running.url;
});

afterEach(() => {
  closeAll();
});

afterAll(async () => {
  await running?.close();
});

describe('1:1 conversation', () => {
  it('pushes delivered and read to the sender, read_sync to the other device only, and REST agrees', async () => {
    const alice = unique('alice');
    const bob = unique('bob');
    const dm = unique('dm');
    const [m1, m2] = [unique('m'), unique('m')];
    const aliceApp = await device(alice, 'phone');
    const bobPhone = await device(bob, 'phone');
    const bobLaptop = await device(bob, 'laptop');

    await registerOk(url, {
      messageId: m1,
      conversationId: dm,
      senderId: alice,
      sequence: 1,
      recipientIds: [bob],
    });
    await registerOk(url, {
      messageId: m2,
      conversationId: dm,
      senderId: alice,
      sequence: 2,
      recipientIds: [bob],
    });
    await eventuallyRest('bob has 2 unread', () => unreadIn(url, bob, dm), {
      readUpTo: 0,
      unread: 2,
    });
    await eventuallyRest('bob total unread 2', () => unreadTotal(url, bob), {
      userId: bob,
      totalUnread: 2,
    });

    // Delivered, batched by the SDK into one ACK.
    const [a1, a2] = await Promise.all([
      bobPhone.client.markDelivered(dm, [m1]),
      bobPhone.client.markDelivered(dm, [m2]),
    ]);
    expect(a1).toEqual({ ok: true, applied: 2, duplicates: 0 });
    expect(a2).toEqual(a1);
    const d1 = await aliceApp.waitFor('delivered', (u) => u.messageId === m1);
    expect(d1).toMatchObject({ conversationId: dm, sequence: 1, recipientId: bob });
    expect(d1.summary).toBeUndefined(); // 1:1: no group summary
    await aliceApp.waitFor('delivered', (u) => u.messageId === m2 && u.recipientId === bob);
    expect(bobPhone.of('delivered')).toEqual([]);
    expect(bobLaptop.of('delivered')).toEqual([]);

    // Duplicates from another device, by id and cumulatively: success, nothing applied.
    const before = await eventsAppended(url);
    expect(await bobLaptop.client.markDelivered(dm, [m1, m2])).toEqual({
      ok: true,
      applied: 0,
      duplicates: 2,
    });
    expect(await bobLaptop.client.markDeliveredUpTo(dm, 2)).toMatchObject({ ok: true, applied: 0 });
    expect(await bobPhone.client.markDelivered(dm, [m1])).toEqual({
      ok: true,
      applied: 0,
      duplicates: 1,
    });
    expect(await eventsAppended(url)).toBe(before);

    await eventuallyRest('m1 detail: delivered', () => detail(url, dm, m1, alice), {
      message: { messageId: m1, senderId: alice, sequence: 1 },
      summary: { totalRecipients: 1, deliveredCount: 1, readCount: 0, status: 'delivered' },
      recipients: [{ userId: bob, status: 'delivered' }],
    });

    // Read up to 1 on the phone.
    expect(await bobPhone.client.markRead(dm, 1)).toEqual({ ok: true, applied: 1, duplicates: 0 });
    const read1 = await aliceApp.waitFor(
      'read',
      (u) => u.conversationId === dm && u.readUpToSequence === 1,
    );
    expect(read1).toMatchObject({ readerId: bob, messages: [{ messageId: m1, sequence: 1 }] });
    const sync1 = await bobLaptop.waitFor(
      'read_sync',
      (u) => u.conversationId === dm && u.readUpToSequence === 1,
    );
    expect(sync1).toEqual({
      type: 'read_sync',
      position: expect.any(Number) as unknown,
      conversationId: dm,
      readUpToSequence: 1,
      unread: 1,
      totalUnread: 1,
    });

    // Read up to 2 on the laptop: the sender hears only about the newly covered message.
    expect(await bobLaptop.client.markRead(dm, 2)).toEqual({ ok: true, applied: 1, duplicates: 0 });
    const read2 = await aliceApp.waitFor(
      'read',
      (u) => u.conversationId === dm && u.readUpToSequence === 2,
    );
    expect(read2.messages).toEqual([{ messageId: m2, sequence: 2 }]);
    const sync2 = await bobPhone.waitFor(
      'read_sync',
      (u) => u.conversationId === dm && u.readUpToSequence === 2,
    );
    expect(sync2).toMatchObject({ unread: 0, totalUnread: 0 });

    // The acking device never gets its own read_sync.
    await barrier(bob, bobPhone, bobLaptop);
    expect(bobPhone.of('read_sync', dm).map((u) => u.readUpToSequence)).toEqual([2]);
    expect(bobLaptop.of('read_sync', dm).map((u) => u.readUpToSequence)).toEqual([1]);
    // Recipients never get delivered/read pushes about messages they did not send.
    expect(bobPhone.of('read')).toEqual([]);

    // Cursor regression: success, ignored, counted.
    const regressions = await counter(url, 'receipts_read_cursor_regressions_rejected_total');
    const appended = await eventsAppended(url);
    expect(await bobPhone.client.markRead(dm, 1)).toEqual({ ok: true, applied: 0, duplicates: 1 });
    expect(await bobPhone.client.markRead(dm, 2)).toEqual({ ok: true, applied: 0, duplicates: 1 });
    expect(await eventsAppended(url)).toBe(appended);
    expect(await counter(url, 'receipts_read_cursor_regressions_rejected_total')).toBe(
      regressions + 1,
    );

    const m1Detail = await eventuallyRest('m1 read', () => detail(url, dm, m1, alice), {
      summary: { deliveredCount: 1, readCount: 1, status: 'read' },
      recipients: [{ userId: bob, status: 'read' }],
    });
    // Read at the first cursor step reaching it (the phone's read of seq 1), after delivery.
    const bobOnM1 = receiptOf(m1Detail, bob)!;
    expect(bobOnM1.readAt).toBe(read1.readAt);
    expect(Date.parse(bobOnM1.readAt!)).toBeGreaterThanOrEqual(Date.parse(bobOnM1.deliveredAt!));
    const m2Detail = await eventuallyRest('m2 read', () => detail(url, dm, m2, alice), {
      recipients: [{ userId: bob, status: 'read' }],
    });
    expect(receiptOf(m2Detail, bob)?.readAt).toBe(read2.readAt);
    expect((await summary(url, dm, m2, alice)).body).toEqual({
      messageId: m2,
      sequence: 2,
      totalRecipients: 1,
      deliveredCount: 1,
      readCount: 1,
      status: 'read',
    });
    expect((await unreadIn(url, bob, dm)).body).toMatchObject({ readUpTo: 2, unread: 0 });
    expect((await unreadTotal(url, bob)).body).toMatchObject({ totalUnread: 0 });

    // A later duplicate read pushes nothing new to the sender.
    await barrier(alice, aliceApp);
    expect(aliceApp.of('read', dm)).toHaveLength(2);
  });
});

describe('group conversation', () => {
  it('pushes delivered and read with group summaries and keeps counts exact', async () => {
    const alice = unique('alice');
    const bob = unique('bob');
    const carol = unique('carol');
    const group = unique('group');
    const [g1, g2] = [unique('g'), unique('g')];
    const aliceApp = await device(alice, 'phone');
    const bobPhone = await device(bob, 'phone');
    const bobLaptop = await device(bob, 'laptop');
    const carolPhone = await device(carol, 'phone');

    for (const [messageId, sequence] of [
      [g1, 1],
      [g2, 2],
    ] as const) {
      await registerOk(url, {
        messageId,
        conversationId: group,
        senderId: alice,
        sequence,
        recipientIds: [bob, carol],
      });
    }

    expect(await bobPhone.client.markDeliveredUpTo(group, 2)).toEqual({
      ok: true,
      applied: 2,
      duplicates: 0,
    });
    const bobG1 = await aliceApp.waitFor(
      'delivered',
      (u) => u.messageId === g1 && u.recipientId === bob,
    );
    expect(bobG1.summary).toEqual({
      messageId: g1,
      sequence: 1,
      totalRecipients: 2,
      deliveredCount: 1,
      readCount: 0,
      status: 'sent',
    });

    expect(await carolPhone.client.markDelivered(group, [g1])).toEqual({
      ok: true,
      applied: 1,
      duplicates: 0,
    });
    const carolG1 = await aliceApp.waitFor(
      'delivered',
      (u) => u.messageId === g1 && u.recipientId === carol,
    );
    expect(carolG1.summary).toMatchObject({ deliveredCount: 2, readCount: 0, status: 'delivered' });

    // Carol reads both (g2 never ACKed delivered by her: read implies delivered).
    expect(await carolPhone.client.markRead(group, 2)).toEqual({
      ok: true,
      applied: 1,
      duplicates: 0,
    });
    const carolRead = await aliceApp.waitFor(
      'read',
      (u) => u.conversationId === group && u.readerId === carol,
    );
    expect(carolRead.readUpToSequence).toBe(2);
    expect(carolRead.messages).toEqual([
      {
        messageId: g1,
        sequence: 1,
        summary: containing({ deliveredCount: 2, readCount: 1, status: 'delivered' }),
      },
      {
        messageId: g2,
        sequence: 2,
        summary: containing({ deliveredCount: 2, readCount: 1, status: 'delivered' }),
      },
    ]);
    await eventuallyRest('g2 summary after carol read', () => summary(url, group, g2, alice), {
      totalRecipients: 2,
      deliveredCount: 2,
      readCount: 1,
      status: 'delivered',
    });
    const g2Detail = (await detail(url, group, g2, alice)).body;
    expect(receiptOf(g2Detail, bob)).toEqual({
      userId: bob,
      status: 'delivered',
      deliveredAt: anyString,
    });
    expect(receiptOf(g2Detail, carol)).toMatchObject({ status: 'read', readAt: carolRead.readAt });
    expect(statusByUser(g2Detail)).toEqual({ [bob]: 'delivered', [carol]: 'read' });

    // Bob reads g1 on the laptop.
    expect(await bobLaptop.client.markRead(group, 1)).toEqual({
      ok: true,
      applied: 1,
      duplicates: 0,
    });
    const bobRead = await aliceApp.waitFor(
      'read',
      (u) => u.conversationId === group && u.readerId === bob,
    );
    expect(bobRead.messages).toEqual([
      { messageId: g1, sequence: 1, summary: containing({ readCount: 2, status: 'read' }) },
    ]);
    const sync = await bobPhone.waitFor('read_sync', (u) => u.conversationId === group);
    expect(sync).toEqual({
      type: 'read_sync',
      position: expect.any(Number) as unknown,
      conversationId: group,
      readUpToSequence: 1,
      unread: 1,
      totalUnread: 1,
    });
    await barrier(bob, bobLaptop);
    expect(bobLaptop.of('read_sync', group)).toEqual([]);
    await barrier(carol, carolPhone);
    expect(carolPhone.of('read_sync', group)).toEqual([]);
    expect(carolPhone.of('read')).toEqual([]);

    await eventuallyRest('g1 summary', () => summary(url, group, g1, alice), {
      deliveredCount: 2,
      readCount: 2,
      status: 'read',
    });
    expect((await summary(url, group, g2, alice)).body).toMatchObject({
      deliveredCount: 2,
      readCount: 1,
      status: 'delivered',
    });
    expect((await unreadIn(url, bob, group)).body).toMatchObject({ readUpTo: 1, unread: 1 });
    expect((await unreadIn(url, carol, group)).body).toMatchObject({ readUpTo: 2, unread: 0 });
    expect((await unreadTotal(url, bob)).body).toMatchObject({ totalUnread: 1 });
    expect((await unreadTotal(url, carol)).body).toMatchObject({ totalUnread: 0 });

    // Duplicates of everything: success, applied 0, nothing appended, counts unchanged.
    const appended = await eventsAppended(url);
    for (const answer of [
      await bobPhone.client.markDeliveredUpTo(group, 2),
      await bobLaptop.client.markDelivered(group, [g1, g2]),
      await carolPhone.client.markDelivered(group, [g1, g2]),
      await carolPhone.client.markRead(group, 2),
      await bobPhone.client.markRead(group, 1),
    ]) {
      expect(answer).toMatchObject({ ok: true, applied: 0 });
    }
    expect(await eventsAppended(url)).toBe(appended);
    expect((await summary(url, group, g1, alice)).body).toMatchObject({
      deliveredCount: 2,
      readCount: 2,
    });
  });
});

describe("the sender's own message", () => {
  it("moves the sender's read cursor: their unread stays 0 and the other side sees the read", async () => {
    const alice = unique('alice');
    const bob = unique('bob');
    const dm = unique('dm');
    const [b1, a2, b3] = [unique('b'), unique('a'), unique('b')];
    const aliceApp = await device(alice, 'phone');
    const bobPhone = await device(bob, 'phone');

    await registerOk(url, {
      messageId: b1,
      conversationId: dm,
      senderId: bob,
      sequence: 1,
      recipientIds: [alice],
    });
    await eventuallyRest('alice has 1 unread', () => unreadIn(url, alice, dm), {
      unread: 1,
      readUpTo: 0,
    });
    await eventuallyRest("bob's own message is read by him", () => unreadIn(url, bob, dm), {
      unread: 0,
      readUpTo: 1,
    });
    // Alice answers without ACKing: sending reads everything before it.
    await registerOk(url, {
      messageId: a2,
      conversationId: dm,
      senderId: alice,
      sequence: 2,
      recipientIds: [bob],
    });
    const aliceSync = await aliceApp.waitFor(
      'read_sync',
      (u) => u.conversationId === dm && u.readUpToSequence === 2,
    );
    expect(aliceSync).toMatchObject({ unread: 0, totalUnread: 0 });
    const bobSeesRead = await bobPhone.waitFor(
      'read',
      (u) => u.conversationId === dm && u.readerId === alice,
    );
    expect(bobSeesRead.messages.map((m) => m.messageId)).toEqual([b1]);
    await eventuallyRest("bob's message is read by alice", () => detail(url, dm, b1, bob), {
      summary: { readCount: 1, status: 'read' },
      recipients: [{ userId: alice, status: 'read' }],
    });
    expect((await unreadIn(url, alice, dm)).body).toMatchObject({ readUpTo: 2, unread: 0 });
    expect((await unreadTotal(url, alice)).body).toMatchObject({ totalUnread: 0 });
    await eventuallyRest('bob has 1 unread (alice message)', () => unreadIn(url, bob, dm), {
      readUpTo: 1,
      unread: 1,
    });
    // Alice's own message never counts as unread for her, nor is she a recipient of it.
    expect((await summary(url, dm, a2, alice)).body).toMatchObject({
      totalRecipients: 1,
      deliveredCount: 0,
      readCount: 0,
    });
    // Bob sends again: bob's cursor steps to 3, his unread back to 0.
    await registerOk(url, {
      messageId: b3,
      conversationId: dm,
      senderId: bob,
      sequence: 3,
      recipientIds: [alice],
    });
    await eventuallyRest('bob read by sending', () => unreadIn(url, bob, dm), {
      readUpTo: 3,
      unread: 0,
    });
    await eventuallyRest('alice has 1 unread again', () => unreadIn(url, alice, dm), {
      readUpTo: 2,
      unread: 1,
    });
  });
});

describe('registration in batches', () => {
  it('registers many messages of several conversations in one request, in order, and devices ACK them', async () => {
    const [alice, bob, carol] = [unique('alice'), unique('bob'), unique('carol')];
    const [group, dm] = [unique('group'), unique('dm')];
    const ids = [unique('g'), unique('g'), unique('g'), unique('d')];
    const messages = [
      ...[1, 2, 3].map((sequence, i) => ({
        messageId: ids[i]!,
        conversationId: group,
        senderId: alice,
        sequence,
        recipientIds: [bob, carol],
        sentAt: new Date().toISOString(),
      })),
      {
        messageId: ids[3]!,
        conversationId: dm,
        senderId: bob,
        sequence: 1,
        recipientIds: [carol],
        sentAt: new Date().toISOString(),
      },
    ];
    const answer = await postRaw(url, '/messages/batch', JSON.stringify({ messages }));
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      results: messages.map((m) => ({
        conversationId: m.conversationId,
        messageId: m.messageId,
        status: 'registered',
      })),
    });
    const again = await postRaw(url, '/messages/batch', JSON.stringify({ messages }));
    expect((again.body as { results: { status: string }[] }).results.map((r) => r.status)).toEqual([
      'duplicate',
      'duplicate',
      'duplicate',
      'duplicate',
    ]);
    await eventuallyRest('carol has 4 unread', () => unreadTotal(url, carol), { totalUnread: 4 });
    const bobPhone = await device(bob, 'phone');
    expect(await bobPhone.client.markDeliveredUpTo(group, 3)).toEqual({
      ok: true,
      applied: 3,
      duplicates: 0,
    });
    await eventuallyRest('delivered to bob', () => summary(url, group, ids[2]!, alice), {
      deliveredCount: 1,
      readCount: 0,
      totalRecipients: 2,
    });
  });
});

describe('privacy: read receipts off', () => {
  it("hides reads from senders while the reader's own counts and devices still update", async () => {
    const alice = unique('alice');
    const carol = unique('carol');
    const dave = unique('dave');
    const group = unique('group');
    const dm = unique('dm');
    const [p1, d1] = [unique('p'), unique('d')];
    const aliceApp = await device(alice, 'phone');
    const davePhone = await device(dave, 'phone');
    const daveLaptop = await device(dave, 'laptop');
    const carolPhone = await device(carol, 'phone');

    const off = await put(
      url,
      `/users/${dave}/settings/read-receipts`,
      { enabled: false },
      asUser(dave),
    );
    expect(off.status).toBe(200);
    expect(off.body).toEqual({ userId: dave, readReceipts: false });

    await registerOk(url, {
      messageId: p1,
      conversationId: group,
      senderId: alice,
      sequence: 1,
      recipientIds: [dave, carol],
    });
    await registerOk(url, {
      messageId: d1,
      conversationId: dm,
      senderId: alice,
      sequence: 1,
      recipientIds: [dave],
    });

    const filtered = await counter(url, 'receipts_privacy_filtered_total');
    expect(await davePhone.client.markDeliveredUpTo(group, 1)).toMatchObject({
      ok: true,
      applied: 1,
    });
    await aliceApp.waitFor('delivered', (u) => u.messageId === p1 && u.recipientId === dave);
    expect(await davePhone.client.markRead(group, 1)).toEqual({
      ok: true,
      applied: 1,
      duplicates: 0,
    });
    // Read without any delivered ACK in the 1:1.
    expect(await davePhone.client.markRead(dm, 1)).toEqual({ ok: true, applied: 1, duplicates: 0 });

    // Dave's other device is synced, with his real unread counts.
    const sync = await daveLaptop.waitFor('read_sync', (u) => u.conversationId === group);
    expect(sync).toMatchObject({ readUpToSequence: 1, unread: 0 });
    await daveLaptop.waitFor(
      'read_sync',
      (u) => u.conversationId === dm && u.unread === 0 && u.totalUnread === 0,
    );
    await eventuallyRest("dave's unread", () => unreadTotal(url, dave), { totalUnread: 0 });
    expect((await unreadIn(url, dave, group)).body).toMatchObject({ readUpTo: 1, unread: 0 });

    // The sender hears nothing about the reads.
    await barrier(alice, aliceApp);
    expect(aliceApp.of('read')).toEqual([]);
    const p1Detail = (await detail(url, group, p1, alice)).body;
    const daveReceipt = receiptOf(p1Detail, dave);
    expect(daveReceipt).toMatchObject({ status: 'delivered' });
    expect(daveReceipt?.readAt).toBeUndefined();
    expect(p1Detail.summary).toMatchObject({ deliveredCount: 1, readCount: 0, status: 'sent' });
    const d1Detail = (await detail(url, dm, d1, alice)).body;
    expect(d1Detail.recipients).toEqual([containing({ userId: dave, status: 'delivered' })]);
    expect(receiptOf(d1Detail, dave)?.readAt).toBeUndefined();
    expect((await summary(url, dm, d1, alice)).body).toMatchObject({ readCount: 0 });
    expect(JSON.stringify(p1Detail) + JSON.stringify(d1Detail)).not.toMatch(/readAt/);
    expect(await counter(url, 'receipts_privacy_filtered_total')).toBeGreaterThan(filtered);

    // Carol (receipts on) reads: the group summary counts her and not dave.
    expect(await carolPhone.client.markRead(group, 1)).toMatchObject({ ok: true, applied: 1 });
    const carolRead = await aliceApp.waitFor(
      'read',
      (u) => u.conversationId === group && u.readerId === carol,
    );
    expect(carolRead.messages[0]!.summary).toMatchObject({
      deliveredCount: 2,
      readCount: 1,
      totalRecipients: 2,
      status: 'delivered',
    });
    await eventuallyRest('summary excludes dave', () => summary(url, group, p1, alice), {
      deliveredCount: 2,
      readCount: 1,
      status: 'delivered',
    });
    expect(aliceApp.of('read').filter((u) => u.readerId === dave)).toEqual([]);
  });
  it('shows a reader with receipts off exactly as a recipient whose device received the message', async () => {
    const [alice, bob, carol] = [unique('alice'), unique('bob'), unique('carol')];
    const [group, dm] = [unique('group'), unique('dm')];
    const [g1, d1] = [unique('g'), unique('d')];
    const aliceApp = await device(alice, 'phone');
    const bobPhone = await device(bob, 'phone');
    const carolPhone = await device(carol, 'phone');
    expect(
      (await put(url, `/users/${bob}/settings/read-receipts`, { enabled: false }, asUser(bob)))
        .status,
    ).toBe(200);
    await registerOk(url, {
      messageId: g1,
      conversationId: group,
      senderId: alice,
      sequence: 1,
      recipientIds: [bob, carol],
    });
    await registerOk(url, {
      messageId: d1,
      conversationId: dm,
      senderId: alice,
      sequence: 1,
      recipientIds: [bob],
    });

    // Carol's device receives g1 the ordinary way; bob reads both without a delivered ACK.
    expect(await carolPhone.client.markDelivered(group, [g1])).toMatchObject({
      ok: true,
      applied: 1,
    });
    await aliceApp.waitFor('delivered', (u) => u.messageId === g1 && u.recipientId === carol);
    expect(await bobPhone.client.markRead(group, 1)).toMatchObject({ ok: true, applied: 1 });
    expect(await bobPhone.client.markRead(dm, 1)).toMatchObject({ ok: true, applied: 1 });

    // The sender is told "delivered", as for any device that received the message.
    const groupPush = await aliceApp.waitFor(
      'delivered',
      (u) => u.messageId === g1 && u.recipientId === bob,
    );
    expect(groupPush).toEqual({
      type: 'delivered',
      position: expect.any(Number) as unknown,
      conversationId: group,
      messageId: g1,
      sequence: 1,
      recipientId: bob,
      deliveredAt: anyString,
      summary: {
        messageId: g1,
        sequence: 1,
        totalRecipients: 2,
        deliveredCount: 2,
        readCount: 0,
        status: 'delivered',
      },
    });
    const dmPush = await aliceApp.waitFor(
      'delivered',
      (u) => u.messageId === d1 && u.recipientId === bob,
    );
    expect(dmPush).toEqual({
      type: 'delivered',
      position: expect.any(Number) as unknown,
      conversationId: dm,
      messageId: d1,
      sequence: 1,
      recipientId: bob,
      deliveredAt: anyString,
    });

    // REST agrees with the pushes, and bob's entry has the shape of carol's real delivery.
    const g1Detail = (await detail(url, group, g1, alice)).body;
    const carolEntry = receiptOf(g1Detail, carol)!;
    const bobEntry = receiptOf(g1Detail, bob)!;
    expect(carolEntry).toEqual({ userId: carol, status: 'delivered', deliveredAt: anyString });
    expect(bobEntry).toEqual({
      userId: bob,
      status: 'delivered',
      deliveredAt: groupPush.deliveredAt,
    });
    expect(g1Detail.summary).toEqual(groupPush.summary);
    expect((await summary(url, group, g1, alice)).body).toEqual(groupPush.summary);
    expect(receiptOf((await detail(url, dm, d1, alice)).body, bob)).toEqual({
      userId: bob,
      status: 'delivered',
      deliveredAt: dmPush.deliveredAt,
    });
    await barrier(alice, aliceApp);
    expect(aliceApp.of('read')).toEqual([]);
  });

  it('after receipts are turned back on, a read pushes every message whose sender-visible state it changed, as REST shows it', async () => {
    const [alice, bob, carol] = [unique('alice'), unique('bob'), unique('carol')];
    const [group, dm] = [unique('group'), unique('dm')];
    const [g1, g2, d1, d2] = [unique('g'), unique('g'), unique('d'), unique('d')];
    const aliceApp = await device(alice, 'phone');
    const bobPhone = await device(bob, 'phone');
    const carolPhone = await device(carol, 'phone');
    for (const [messageId, sequence] of [
      [g1, 1],
      [g2, 2],
    ] as const) {
      await registerOk(url, {
        messageId,
        conversationId: group,
        senderId: alice,
        sequence,
        recipientIds: [bob, carol],
      });
    }
    for (const [messageId, sequence] of [
      [d1, 1],
      [d2, 2],
    ] as const) {
      await registerOk(url, {
        messageId,
        conversationId: dm,
        senderId: alice,
        sequence,
        recipientIds: [bob],
      });
    }
    await put(url, `/users/${bob}/settings/read-receipts`, { enabled: false }, asUser(bob));
    expect(await bobPhone.client.markRead(group, 1)).toMatchObject({ ok: true, applied: 1 });
    expect(await bobPhone.client.markRead(dm, 1)).toMatchObject({ ok: true, applied: 1 });
    expect(await carolPhone.client.markRead(group, 1)).toMatchObject({ ok: true, applied: 1 });
    await aliceApp.waitFor('read', (u) => u.readerId === carol);

    await put(url, `/users/${bob}/settings/read-receipts`, { enabled: true }, asUser(bob));
    expect(await bobPhone.client.markRead(group, 2)).toMatchObject({ ok: true, applied: 1 });
    expect(await bobPhone.client.markRead(dm, 2)).toMatchObject({ ok: true, applied: 1 });

    const groupRead = await aliceApp.waitFor(
      'read',
      (u) => u.readerId === bob && u.conversationId === group,
    );
    expect(groupRead.messages.map((m) => m.messageId)).toEqual([g1, g2]);
    expect(groupRead.messages[0]!.summary).toMatchObject({ readCount: 2, status: 'read' });
    for (const pushed of groupRead.messages) {
      expect((await summary(url, group, pushed.messageId, alice)).body).toEqual(pushed.summary);
      expect(
        receiptOf((await detail(url, group, pushed.messageId, alice)).body, bob),
      ).toMatchObject({
        status: 'read',
        readAt: groupRead.readAt,
      });
    }
    const dmRead = await aliceApp.waitFor(
      'read',
      (u) => u.readerId === bob && u.conversationId === dm,
    );
    expect(dmRead.messages.map((m) => m.messageId)).toEqual([d1, d2]);
    for (const messageId of [d1, d2]) {
      expect((await summary(url, dm, messageId, alice)).body).toMatchObject({
        readCount: 1,
        status: 'read',
      });
      expect(receiptOf((await detail(url, dm, messageId, alice)).body, bob)).toMatchObject({
        status: 'read',
        readAt: dmRead.readAt,
      });
    }
  });

  it('names in read and delivered pushes only the messages addressed to the reader', async () => {
    const [alice, bob, carol, dave] = [
      unique('alice'),
      unique('bob'),
      unique('carol'),
      unique('dave'),
    ];
    const group = unique('group');
    const [p1, p2] = [unique('p'), unique('p')];
    const aliceApp = await device(alice, 'phone');
    const carolPhone = await device(carol, 'phone');
    const davePhone = await device(dave, 'phone');
    await registerOk(url, {
      messageId: p1,
      conversationId: group,
      senderId: alice,
      sequence: 1,
      recipientIds: [bob, carol, dave],
    });
    await registerOk(url, {
      messageId: p2,
      conversationId: group,
      senderId: alice,
      sequence: 2,
      recipientIds: [bob],
    });
    await put(url, `/users/${dave}/settings/read-receipts`, { enabled: false }, asUser(dave));

    expect(await carolPhone.client.markRead(group, 2)).toMatchObject({ ok: true, applied: 1 });
    expect(await davePhone.client.markRead(group, 2)).toMatchObject({ ok: true, applied: 1 });
    const carolRead = await aliceApp.waitFor('read', (u) => u.readerId === carol);
    expect(carolRead.messages.map((m) => m.messageId)).toEqual([p1]);
    await aliceApp.waitFor('delivered', (u) => u.recipientId === dave);
    await barrier(alice, aliceApp);
    expect(aliceApp.of('delivered').map((u) => [u.messageId, u.recipientId])).toEqual([[p1, dave]]);
    expect((await summary(url, group, p2, alice)).body).toMatchObject({
      deliveredCount: 0,
      readCount: 0,
    });
  });
});

describe('an ACK that arrives before its message is registered', () => {
  it('is answered with the retryable NOT_YET_REGISTERED, and the SDK retries it until the registration lands', async () => {
    const [alice, bob] = [unique('alice'), unique('bob')];
    const dm = unique('dm');
    const m1 = unique('m');
    const aliceApp = await device(alice, 'phone');
    const bobPhone = await device(bob, 'phone');
    expect(
      await bobPhone.raw('receipt:delivered', { conversationId: dm, messageIds: [m1] }),
    ).toEqual({
      ok: false,
      error: { code: 'NOT_YET_REGISTERED', message: anyString, retryable: true },
    });

    const delivered = bobPhone.client.markDelivered(dm, [m1]);
    const read = bobPhone.client.markRead(dm, 1);
    await delay(300); // the chat server's registration is late
    await registerOk(url, {
      messageId: m1,
      conversationId: dm,
      senderId: alice,
      sequence: 1,
      recipientIds: [bob],
    });
    // Retried independently: when the read lands first, the delivery it implies is a duplicate.
    expect(await delivered).toMatchObject({ ok: true });
    expect(await read).toEqual({ ok: true, applied: 1, duplicates: 0 });
    await aliceApp.waitFor('read', (u) => u.readerId === bob && u.messages[0]?.messageId === m1);
    expect(receiptOf((await detail(url, dm, m1, alice)).body, bob)).toMatchObject({
      status: 'read',
    });
  });

  it('stops retrying after the time the SDK was given, and hands over the last answer', async () => {
    const bob = unique('bob');
    const client = new ReceiptsClient({ url, userId: bob, deviceId: 'phone', retryForMs: 400 });
    await client.connect();
    try {
      const started = Date.now();
      expect(await client.markRead(unique('never'), 1)).toEqual({
        ok: false,
        error: { code: 'NOT_YET_REGISTERED', message: anyString, retryable: true },
      });
      expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    } finally {
      client.close();
    }
  });
});

describe('authorization', () => {
  it("rejects ACKs outside the user's conversations and messages, writing nothing", async () => {
    const alice = unique('alice');
    const bob = unique('bob');
    const carol = unique('carol');
    const eve = unique('eve');
    const dm = unique('dm');
    const group = unique('group');
    const [m1, toBobOnly] = [unique('m'), unique('g')];
    await registerOk(url, {
      messageId: m1,
      conversationId: dm,
      senderId: alice,
      sequence: 1,
      recipientIds: [bob],
    });
    await registerOk(url, {
      messageId: unique('g'),
      conversationId: group,
      senderId: alice,
      sequence: 1,
      recipientIds: [bob, carol],
    });
    await registerOk(url, {
      messageId: toBobOnly,
      conversationId: group,
      senderId: alice,
      sequence: 2,
      recipientIds: [bob],
    });
    const evePhone = await device(eve, 'phone');
    const carolPhone = await device(carol, 'phone');
    const alicePhone = await device(alice, 'phone');
    await eventuallyRest('registered', () => unreadIn(url, bob, group), { unread: 2 });

    const appended = await eventsAppended(url);
    const rejected = async (answer: Promise<unknown>, code: string): Promise<void> =>
      expect(await answer).toEqual({
        ok: false,
        error: { code, message: anyString, retryable: false },
      });
    // A non-member is answered as for a conversation that does not exist (retryable: the
    // registration that would make them a member may still be on its way).
    const nowhere = await evePhone.raw('receipt:read', {
      conversationId: unique('nowhere'),
      upToSequence: 1,
    });
    expect(nowhere).toEqual({
      ok: false,
      error: { code: 'NOT_YET_REGISTERED', message: anyString, retryable: true },
    });
    for (const [event, payload] of [
      ['receipt:read', { conversationId: dm, upToSequence: 1 }],
      ['receipt:delivered', { conversationId: dm, upToSequence: 1 }],
      ['receipt:delivered', { conversationId: dm, messageIds: [m1] }],
      ['receipt:delivered', { conversationId: group, messageIds: [toBobOnly] }],
    ] as const) {
      expect(await evePhone.raw(event, payload)).toEqual(nowhere);
    }
    // A member who is not a recipient of these messages (or is their sender).
    await rejected(carolPhone.client.markDelivered(group, [toBobOnly]), 'NOT_A_RECIPIENT');
    await rejected(alicePhone.client.markDelivered(dm, [m1]), 'NOT_A_RECIPIENT');
    // The payload cannot name another user: extra fields are rejected.
    await rejected(
      evePhone.raw('receipt:read', { conversationId: dm, upToSequence: 1, userId: bob }),
      'VALIDATION_FAILED',
    );
    expect(await eventsAppended(url)).toBe(appended);
    expect((await unreadIn(url, bob, dm)).body).toMatchObject({ readUpTo: 0, unread: 1 });
    const eveUnread = await unreadTotal(url, eve);
    expect(eveUnread.body).toMatchObject({ totalUnread: 0, conversations: [] });
  });

  it('guards REST: detail only for the sender, unread only for its owner, registration only by a service', async () => {
    const alice = unique('alice');
    const bob = unique('bob');
    const dm = unique('dm');
    const m1 = unique('m');
    await registerOk(url, {
      messageId: m1,
      conversationId: dm,
      senderId: alice,
      sequence: 1,
      recipientIds: [bob],
    });
    await eventuallyRest('registered', () => detail(url, dm, m1, alice), {
      message: { messageId: m1 },
    });

    const forbidden = (answer: HttpAnswer, code = 'FORBIDDEN', status = 403) => {
      expect(answer.status).toBe(status);
      expect(answer.contentType).toContain('application/problem+json');
      expect(answer.body).toMatchObject({ code, retryable: false, status, message: anyString });
    };
    // Not the sender: answered as if the message did not exist (no existence oracle).
    forbidden(await detail(url, dm, m1, bob), 'UNKNOWN_MESSAGE', 404);
    forbidden(await summary(url, dm, m1, bob), 'UNKNOWN_MESSAGE', 404);
    forbidden(
      await unreadTotal(url, bob).then(() => get(url, `/users/${bob}/unread`, asUser(alice))),
    );
    forbidden(await get(url, `/users/${bob}/conversations/${dm}/unread`, asUser(alice)));
    forbidden(
      await put(url, `/users/${bob}/settings/read-receipts`, { enabled: false }, asUser(alice)),
    );
    forbidden(await get(url, `/users/${bob}/unread`, {}), 'UNAUTHENTICATED', 401);
    forbidden(await detail(url, dm, m1, 'not an id!'), 'UNAUTHENTICATED', 401);

    const appended = await eventsAppended(url);
    const message = {
      messageId: unique('m'),
      conversationId: dm,
      senderId: alice,
      sequence: 2,
      recipientIds: [bob],
    };
    forbidden(await register(url, message, asUser(alice)));
    forbidden(await register(url, message, {}), 'UNAUTHENTICATED', 401);
    expect(await eventsAppended(url)).toBe(appended);
    expect(
      (
        await get(url, `/conversations/${dm}/messages/${message.messageId}/receipts`, {
          'x-service-name': 'chat-server',
        })
      ).status,
    ).toBe(404);
    expect((await unreadIn(url, bob, dm)).body).toMatchObject({ unread: 1 });
  });

  it('refuses socket connections without a valid identity', async () => {
    const attempt = (auth: unknown) =>
      new Promise<Error & { data?: unknown }>((resolve, reject) => {
        const socket = io(`${url}/receipts`, {
          auth: auth as object,
          transports: ['websocket'],
          reconnection: false,
          timeout: 3000,
        });
        const timer = setTimeout(() => {
          socket.close();
          reject(new Error(`no connect_error for auth ${JSON.stringify(auth)}`));
        }, 3000);
        socket.on('connect', () => {
          clearTimeout(timer);
          socket.close();
          reject(new Error(`connected without valid auth ${JSON.stringify(auth)}`));
        });
        socket.on('connect_error', (error: Error & { data?: unknown }) => {
          clearTimeout(timer);
          socket.close();
          resolve(error);
        });
      });
    for (const auth of [
      undefined,
      {},
      { userId: 'bob' },
      { userId: 'bob', deviceId: '' },
      { userId: 'b o b', deviceId: 'x' },
      { userId: 42, deviceId: 'x' },
    ]) {
      const error = await attempt(auth);
      expect(error.data).toMatchObject({ code: 'UNAUTHENTICATED', retryable: false });
    }
  });
});

describe('concurrent ACKs on one conversation', () => {
  it('answers success to every one of 60 ACKs sent at once by one device', async () => {
    const alice = unique('alice');
    const bob = unique('bob');
    const conv = unique('conv');
    const ids = Array.from({ length: 60 }, () => unique('c'));
    for (const [i, messageId] of ids.entries()) {
      await registerOk(url, {
        messageId,
        conversationId: conv,
        senderId: alice,
        sequence: i + 1,
        recipientIds: [bob],
      });
    }
    const bobPhone = await device(bob, 'phone');
    const answers = await Promise.all(
      ids.map((id) =>
        bobPhone.raw('receipt:delivered', { conversationId: conv, messageIds: [id] }),
      ),
    );
    expect(answers.filter((a) => !a.ok)).toEqual([]);
  });
});
