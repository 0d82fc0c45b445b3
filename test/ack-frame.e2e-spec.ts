/**
 * `receipt:ack`: one frame carries a device's delivered and read ACKs for several conversations,
 * and each item is answered on its own, in order; the SDK sends its batches this way.
 */
import { MAX_ACK_ITEMS, type AckFrameResult } from '@receipts/contracts';
import { type Device, connectDevice } from './support/devices';
import { type RunningApp, startApp } from './support/app';
import { anyString } from './support/matchers';
import { detail, eventsAppended, receiptOf, registerOk, unreadIn } from './support/http';
import { eventually } from './support/wait';

jest.setTimeout(20_000);

let running: RunningApp;
let url: string;
let alice: Device;
let bob: Device;
const [dm, group, other] = ['frame-dm', 'frame-group', 'frame-other'];

const frame = (items: unknown[]): Promise<AckFrameResult> => {
  const socket = bob.client.socket.timeout(5000) as unknown as {
    emitWithAck: (event: string, payload: unknown) => Promise<AckFrameResult>;
  };
  return socket.emitWithAck('receipt:ack', { items });
};

beforeAll(async () => {
  running = await startApp();
  url = running.url;
  for (let sequence = 1; sequence <= 3; sequence++) {
    await registerOk(url, {
      messageId: `d${sequence}`,
      conversationId: dm,
      senderId: 'alice',
      sequence,
      recipientIds: ['bob'],
    });
    await registerOk(url, {
      messageId: `g${sequence}`,
      conversationId: group,
      senderId: 'alice',
      sequence,
      recipientIds: ['bob', 'carol'],
    });
  }
  await registerOk(url, {
    messageId: 'o1',
    conversationId: other,
    senderId: 'alice',
    sequence: 1,
    recipientIds: ['carol'],
  });
  alice = await connectDevice(url, 'alice', 'phone');
  bob = await connectDevice(url, 'bob', 'phone');
});

afterAll(async () => {
  alice?.close();
  bob?.close();
  await running?.close();
});

describe('a receipt:ack frame', () => {
  it('applies the items of several conversations and answers each, in order', async () => {
    const answer = await frame([
      { type: 'delivered', conversationId: dm, messageIds: ['d1', 'd2'] },
      { type: 'delivered_up_to', conversationId: group, upToSequence: 2 },
      { type: 'read', conversationId: dm, upToSequence: 1 },
    ]);
    expect(answer).toEqual({
      ok: true,
      results: [
        { ok: true, applied: 2, duplicates: 0 },
        { ok: true, applied: 2, duplicates: 0 },
        { ok: true, applied: 1, duplicates: 0 },
      ],
    });
    await alice.waitFor('delivered', (u) => u.messageId === 'g2' && u.recipientId === 'bob');
    await alice.waitFor('read', (u) => u.conversationId === dm && u.readerId === 'bob');
    await eventually('REST agrees', async () => {
      expect(receiptOf((await detail(url, dm, 'd1', 'alice')).body, 'bob')?.status).toBe('read');
      expect(receiptOf((await detail(url, dm, 'd2', 'alice')).body, 'bob')?.status).toBe(
        'delivered',
      );
      expect(receiptOf((await detail(url, group, 'g2', 'alice')).body, 'bob')?.status).toBe(
        'delivered',
      );
      expect((await unreadIn(url, 'bob', dm)).body).toMatchObject({ readUpTo: 1, unread: 2 });
    });

    // The same frame again changes nothing and still succeeds.
    expect(
      await frame([
        { type: 'delivered', conversationId: dm, messageIds: ['d1', 'd2'] },
        { type: 'delivered_up_to', conversationId: group, upToSequence: 2 },
        { type: 'read', conversationId: dm, upToSequence: 1 },
      ]),
    ).toEqual({
      ok: true,
      results: [
        { ok: true, applied: 0, duplicates: 2 },
        { ok: true, applied: 0, duplicates: 1 },
        { ok: true, applied: 0, duplicates: 1 },
      ],
    });
  });

  it('answers a failing item with its own error and applies the others', async () => {
    const before = await eventsAppended(url);
    const answer = await frame([
      { type: 'delivered', conversationId: other, messageIds: ['o1'] },
      { type: 'read', conversationId: 'frame-nowhere', upToSequence: 1 },
      { type: 'delivered', conversationId: dm, messageIds: Array(501).fill('d3') },
      { type: 'delivered', conversationId: dm, messageIds: ['d3'] },
    ]);
    expect(answer).toEqual({
      ok: true,
      results: [
        { ok: false, error: { code: 'NOT_YET_REGISTERED', message: anyString, retryable: true } },
        { ok: false, error: { code: 'NOT_YET_REGISTERED', message: anyString, retryable: true } },
        { ok: false, error: { code: 'BATCH_TOO_LARGE', message: anyString, retryable: false } },
        { ok: true, applied: 1, duplicates: 0 },
      ],
    });
    expect(await eventsAppended(url)).toBe(before + 1);
  });

  it.each<[string, unknown, string]>([
    ['no items', { items: [] }, 'VALIDATION_FAILED'],
    [
      'an unknown item type',
      { items: [{ type: 'seen', conversationId: dm }] },
      'VALIDATION_FAILED',
    ],
    [
      'an item naming a user',
      { items: [{ type: 'read', conversationId: dm, upToSequence: 2, userId: 'carol' }] },
      'VALIDATION_FAILED',
    ],
    [
      `more than ${MAX_ACK_ITEMS} items`,
      {
        items: Array.from({ length: MAX_ACK_ITEMS + 1 }, () => ({
          type: 'read',
          conversationId: dm,
          upToSequence: 2,
        })),
      },
      'BATCH_TOO_LARGE',
    ],
  ])('with %s is refused whole (%s), writing nothing', async (_, payload, code) => {
    const before = await eventsAppended(url);
    const socket = bob.client.socket.timeout(5000) as unknown as {
      emitWithAck: (event: string, payload: unknown) => Promise<AckFrameResult>;
    };
    expect(await socket.emitWithAck('receipt:ack', payload)).toEqual({
      ok: false,
      error: { code, message: anyString, retryable: false },
    });
    expect(await eventsAppended(url)).toBe(before);
  });

  it('is what the SDK sends: delivered ids of several conversations in one window go in one frame', async () => {
    const outgoing: Array<[string, unknown]> = [];
    bob.client.socket.onAnyOutgoing((event: string, payload: unknown) => {
      outgoing.push([event, payload]);
    });
    const [toDm, toGroup] = await Promise.all([
      bob.client.markDelivered(dm, ['d3']),
      bob.client.markDelivered(group, ['g3', 'g1']),
    ]);
    expect(toDm).toEqual({ ok: true, applied: 0, duplicates: 1 });
    expect(toGroup).toEqual({ ok: true, applied: 1, duplicates: 1 });
    expect(outgoing).toEqual([
      [
        'receipt:ack',
        {
          items: [
            { type: 'delivered', conversationId: dm, messageIds: ['d3'] },
            { type: 'delivered', conversationId: group, messageIds: ['g3', 'g1'] },
          ],
        },
      ],
    ]);
  });
});
