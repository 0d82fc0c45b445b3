import type { ReceiptsClientOptions } from './client-options';
import type { ReceiptsClient } from './receipts-client';
import { clientOn } from './testing/fake-client';
import { FakeSocket } from './testing/fake-socket';

let socket: FakeSocket;
let fetched: string[];

beforeEach(() => {
  jest.useFakeTimers();
  socket = new FakeSocket();
  fetched = [];
  jest.spyOn(globalThis, 'fetch').mockImplementation((input) => {
    // The SDK calls fetch with a URL string.
    fetched.push(input as string);
    const body = {
      totalUnread: 4,
      conversations: [{ conversationId: 'c9', unread: 4, readUpTo: 2, lastReadAt: null }],
    };
    return Promise.resolve(new Response(JSON.stringify(body), { status: 200 }));
  });
});
afterEach(() => {
  jest.restoreAllMocks();
  jest.useRealTimers();
});

const client = (
  options: Partial<Pick<ReceiptsClientOptions, 'refreshOnConnect' | 'resumeFrom'>> = {},
) => clientOn(socket, options);

const delivered = (messageId: string, sequence: number, recipientId = 'bob') =>
  ({
    type: 'delivered',
    conversationId: 'c1',
    messageId,
    sequence,
    recipientId,
    deliveredAt: `2026-01-01T10:00:0${sequence % 10}Z`,
  }) as const;
const readSync = (readUpToSequence: number, unread: number) =>
  ({
    type: 'read_sync',
    conversationId: 'c2',
    readUpToSequence,
    unread,
    totalUnread: unread,
  }) as const;

/** Every update the client applied, by position, and where it came from. */
const applied = (device: ReceiptsClient) => {
  const seen: Array<[number, 'push' | 'feed']> = [];
  device.on('receipts', (updates, source) => {
    for (const u of updates) seen.push([u.position, source]);
  });
  return seen;
};
// Requests share the frame budget: 10 a second by default.
const settle = () => jest.advanceTimersByTimeAsync(1000);

describe('catch-up from the feed', () => {
  it('starts a fresh device at the head without replaying the history', async () => {
    socket.record(delivered('m1', 1), delivered('m2', 2), delivered('m3', 3));
    const device = client();
    const seen = applied(device);
    const caughtUp = jest.fn();
    device.on('caughtUp', caughtUp);
    await device.connect();
    await settle();
    expect(socket.resumes()).toEqual([
      { after: 0, limit: 1 },
      { after: 3, limit: 500 },
    ]);
    expect(seen).toEqual([]);
    expect(device.position).toBe(3);
    expect(caughtUp).toHaveBeenCalledWith({ position: 3, entries: 0 });
  });

  it('loads the snapshots of a fresh device between learning the head and going on from it', async () => {
    socket.record(readSync(1, 9));
    const device = client({ refreshOnConnect: true });
    await device.connect();
    await settle();
    expect(fetched).toEqual(['http://receipts.test/users/alice/unread']);
    expect(device.state.totalUnread).toBe(4);
    expect(socket.resumes().map((r) => r.after)).toEqual([0, 1]);
  });

  it('pages from a persisted position until the head, applying each entry once, in order', async () => {
    for (let s = 1; s <= 1100; s += 1) socket.record(delivered(`m${s}`, s));
    const device = client({ resumeFrom: 40 });
    const seen = applied(device);
    const messages = jest.fn();
    device.on('message', messages);
    await device.connect();
    await settle();
    expect(socket.resumes().map((r) => r.after)).toEqual([40, 540, 1040]);
    expect(seen.map(([p]) => p)).toEqual(Array.from({ length: 1060 }, (_, i) => i + 41));
    expect(seen.every(([, source]) => source === 'feed')).toBe(true);
    expect(messages).toHaveBeenCalledTimes(1060);
    expect(device.state.message('c1', 'm40')).toBeUndefined();
    expect(device.state.message('c1', 'm41')).toMatchObject({ status: 'delivered' });
    expect(device.position).toBe(1100);
  });

  it('fetches what a gap in the pushes missed, and ignores what it already applied', async () => {
    const device = client({ resumeFrom: 0 });
    const seen = applied(device);
    await device.connect();
    await settle();
    const [first, second, third] = socket.record(
      delivered('m1', 1),
      delivered('m2', 2),
      delivered('m3', 3),
    );
    socket.push([first!]);
    expect(socket.resumes()).toHaveLength(1);
    socket.push([third!]);
    await settle();
    expect(socket.resumes().map((r) => r.after)).toEqual([0, 1]);
    socket.push([second!, third!]);
    await settle();
    expect(seen).toEqual([
      [1, 'push'],
      [2, 'feed'],
      [3, 'feed'],
    ]);
    expect(device.position).toBe(3);
  });

  it('holds pushes that arrive during a catch-up and applies each once, in position order', async () => {
    const entries = socket.record(
      delivered('m1', 1),
      delivered('m2', 2),
      delivered('m3', 3),
      delivered('m4', 4),
    );
    // The page was read before entry 4 was written: its head is 3.
    socket.answerResume = ({ after }) => ({
      ok: true,
      userId: 'alice',
      entries: entries.filter((e) => e.position > after && e.position <= 3),
      next: 3,
      head: 3,
    });
    const device = client({ resumeFrom: 0 });
    const seen = applied(device);
    await device.connect();
    socket.push([entries[3]!]);
    socket.push([entries[2]!, entries[3]!]);
    await settle();
    expect(seen).toEqual([
      [1, 'feed'],
      [2, 'feed'],
      [3, 'feed'],
      [4, 'push'],
    ]);
    expect(socket.resumes()).toHaveLength(1);
  });

  it('resyncs from the snapshots when the feed no longer has its position, and says so', async () => {
    socket.dropped = 5;
    socket.record(delivered('m6', 6), delivered('m7', 7));
    const device = client({ resumeFrom: 2 });
    const seen = applied(device);
    const resync = jest.fn();
    device.on('resync', resync);
    await device.connect();
    await settle();
    expect(resync).toHaveBeenCalledWith({ reason: 'expired', head: 7 });
    expect(fetched).toEqual(['http://receipts.test/users/alice/unread']);
    expect(device.state.unread('c9')).toBe(4);
    expect(device.position).toBe(7);
    expect(socket.resumes().map((r) => r.after)).toEqual([2, 7]);
    expect(seen).toEqual([]);
  });

  it('catches up on a reconnection through the feed alone: no snapshot reload', async () => {
    const device = client({ refreshOnConnect: true });
    await device.connect();
    await settle();
    expect(fetched).toHaveLength(1);
    device.disconnect();
    socket.record(readSync(3, 2), delivered('m1', 1));
    device.trackSent('c1', 'm1', 1, 1);
    await device.connect();
    await settle();
    expect(fetched).toHaveLength(1);
    expect(device.state.message('c1', 'm1')).toMatchObject({ status: 'delivered' });
    expect(device.state.unread('c2')).toBe(2);
    expect(device.position).toBe(2);
  });

  it('keeps a badge when a read the snapshot counted comes again from the feed', async () => {
    // The read at position 1 was written after the head was learned, before the snapshot.
    socket.record({ ...readSync(2, 0), conversationId: 'c9' });
    const answer = socket.answerResume;
    socket.answerResume = (request) =>
      request.limit === 1
        ? { ok: true, userId: 'alice', entries: [], next: 0, head: 0 }
        : answer(request);
    const device = client({ refreshOnConnect: true });
    await device.connect();
    await settle();
    expect(device.position).toBe(1);
    expect(device.state.unread('c9')).toBe(4);
  });

  it('sends no resume and applies pushes as they come with catchUp off', async () => {
    const device = clientOn(socket, { deviceId: 'bot', catchUp: false });
    const seen = applied(device);
    await device.connect();
    socket.push(socket.record(delivered('m1', 1), delivered('m2', 2)).slice(1));
    await settle();
    expect(socket.resumes()).toEqual([]);
    expect(seen).toEqual([[2, 'push']]);
  });

  it('refuses a persisted position that is not one', () => {
    expect(() => client({ resumeFrom: -1 })).toThrow(TypeError);
    expect(() => client({ resumeFrom: 1.5 })).toThrow(/feed position/);
  });

  it('tries again on the next connection when a catch-up lost its connection', async () => {
    const device = client({ resumeFrom: 0 });
    const answer = socket.answerResume;
    socket.answerResume = () => 'no answer';
    await device.connect();
    device.disconnect();
    await jest.advanceTimersByTimeAsync(20_000);
    socket.answerResume = answer;
    socket.record(delivered('m1', 1));
    await device.connect();
    await settle();
    expect(device.position).toBe(1);
  });
});
