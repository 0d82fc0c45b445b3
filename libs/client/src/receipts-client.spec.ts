import type { AckFrame, AckResult } from '@receipts/contracts';
import { DEFAULTS } from './client-options';
import { clientOn } from './testing/fake-client';
import { FakeSocket } from './testing/fake-socket';

const WINDOW = DEFAULTS.batchWindowMs;

const client = (socket: FakeSocket, options: Partial<{ retryForMs: number }> = {}) =>
  clientOn(socket, {
    userId: 'bob',
    ...options,
  });

const retryable = (code = 'NOT_YET_REGISTERED', details?: Record<string, unknown>): AckResult => ({
  ok: false,
  error: { code, message: code, retryable: true, ...(details ? { details } : {}) },
});
const ok: AckResult = { ok: true, applied: 1, duplicates: 0 };
const itemsOf = (frame: AckFrame | undefined) => frame?.items ?? [];

let socket: FakeSocket;

beforeEach(() => {
  jest.useFakeTimers();
  socket = new FakeSocket();
});
afterEach(() => jest.useRealTimers());

describe('batching', () => {
  it('sends every ACK of a window, for all conversations, in one frame when the window ends', async () => {
    const device = client(socket);
    await device.connect();
    void device.markDelivered('c1', ['m1', 'm2']);
    void device.markDelivered('c2', ['m9']);
    void device.markRead('c1', 2);
    await jest.advanceTimersByTimeAsync(WINDOW - 1);
    expect(socket.frames).toHaveLength(0);
    await jest.advanceTimersByTimeAsync(1);
    expect(socket.frames.map((f) => f.frame)).toEqual([
      {
        items: [
          { type: 'delivered', conversationId: 'c1', messageIds: ['m1', 'm2'] },
          { type: 'delivered', conversationId: 'c2', messageIds: ['m9'] },
          { type: 'read', conversationId: 'c1', upToSequence: 2 },
        ],
      },
    ]);
  });

  it('sends at once when a frame is full, and keeps the rest for the next window', async () => {
    const device = client(socket);
    await device.connect();
    // The catch-up on connecting took a frame slot (requests share the frame budget).
    await jest.advanceTimersByTimeAsync(1000);
    for (let c = 1; c <= 201; c += 1) void device.markRead(`c${c}`, 1);
    await jest.advanceTimersByTimeAsync(0);
    expect(socket.frames.map((f) => f.frame.items.length)).toEqual([200]);
    await jest.advanceTimersByTimeAsync(WINDOW);
    expect(socket.frames.map((f) => f.frame.items.length)).toEqual([200, 1]);
  });

  it('splits a large delivered batch into items of 500 ids and answers it once, summed', async () => {
    const device = client(socket);
    await device.connect();
    const ids = Array.from({ length: 1200 }, (_, i) => `m${i}`);
    const answer = device.markDelivered('c1', ids);
    await jest.advanceTimersByTimeAsync(WINDOW + 5);
    const items = itemsOf(socket.frames[0]?.frame);
    expect(items.map((i) => (i.type === 'delivered' ? i.messageIds.length : 0))).toEqual([
      500, 500, 200,
    ]);
    expect(await answer).toEqual({ ok: true, applied: 3, duplicates: 0 });
  });

  it('keeps frames at most maxFramesPerSecond apart', async () => {
    const device = client(socket);
    await device.connect();
    for (let c = 1; c <= 600; c += 1) void device.markRead(`c${c}`, 1);
    await jest.advanceTimersByTimeAsync(1000);
    const times = socket.frames.map((f) => f.at);
    expect(times).toHaveLength(3);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(1000 / DEFAULTS.maxFramesPerSecond);
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(1000 / DEFAULTS.maxFramesPerSecond);
  });
});

describe('bad input', () => {
  it('is answered VALIDATION_FAILED at once and never spoils the frame of the others', async () => {
    const device = client(socket);
    await device.connect();
    const good = device.markRead('c1', 2);
    const answers = await Promise.all([
      device.markRead('c1', 0),
      device.markDelivered('c2', []),
      device.markDelivered('c3', ['not an id!']),
    ]);
    for (const answer of answers) {
      expect(answer).toMatchObject({
        ok: false,
        error: { code: 'VALIDATION_FAILED', retryable: false },
      });
    }
    await jest.advanceTimersByTimeAsync(WINDOW + 5);
    expect(itemsOf(socket.frames[0]?.frame)).toEqual([
      { type: 'read', conversationId: 'c1', upToSequence: 2 },
    ]);
    expect(await good).toEqual(ok);
  });
});

describe('coalescing', () => {
  it('sends only the highest read cursor per conversation, and answers every caller with it', async () => {
    const device = client(socket);
    await device.connect();
    const answers = [device.markRead('c1', 3), device.markRead('c1', 7), device.markRead('c1', 5)];
    void device.markDeliveredUpTo('c1', 4);
    void device.markDeliveredUpTo('c1', 2);
    await jest.advanceTimersByTimeAsync(WINDOW + 5);
    expect(itemsOf(socket.frames[0]?.frame)).toEqual([
      { type: 'delivered_up_to', conversationId: 'c1', upToSequence: 4 },
      { type: 'read', conversationId: 'c1', upToSequence: 7 },
    ]);
    expect(await Promise.all(answers)).toEqual([ok, ok, ok]);
  });

  it('sends each delivered id of a conversation once', async () => {
    const device = client(socket);
    await device.connect();
    void device.markDelivered('c1', ['m1', 'm2']);
    void device.markDelivered('c1', ['m2', 'm3']);
    await jest.advanceTimersByTimeAsync(WINDOW);
    expect(itemsOf(socket.frames[0]?.frame)).toEqual([
      { type: 'delivered', conversationId: 'c1', messageIds: ['m1', 'm2', 'm3'] },
    ]);
  });
});

describe('retries', () => {
  it('sends again only the items answered retryably, later each time', async () => {
    const device = client(socket);
    await device.connect();
    let tries = 0;
    socket.respond = (frame) => {
      tries += 1;
      return {
        ok: true,
        results: frame.items.map((i) => (i.type === 'read' && tries < 3 ? retryable() : ok)),
      };
    };
    const read = device.markRead('c1', 2);
    const delivered = device.markDelivered('c1', ['m1']);
    await jest.advanceTimersByTimeAsync(WINDOW + 10_000);
    expect(socket.frames.map((f) => f.frame.items.map((i) => i.type))).toEqual([
      ['delivered', 'read'],
      ['read'],
      ['read'],
    ]);
    expect(await read).toEqual(ok);
    expect(await delivered).toEqual(ok);
  });

  it('never retries a non-retryable answer, and reports it', async () => {
    const device = client(socket);
    await device.connect();
    const refused: AckResult = {
      ok: false,
      error: { code: 'NOT_A_RECIPIENT', message: 'no', retryable: false },
    };
    socket.respond = () => ({ ok: true, results: [refused] });
    const failed = jest.fn();
    device.on('ackFailed', failed);
    const answer = device.markDelivered('c1', ['m1']);
    await jest.advanceTimersByTimeAsync(WINDOW + 60_000);
    expect(socket.frames).toHaveLength(1);
    expect(await answer).toEqual(refused);
    expect(failed).toHaveBeenCalledWith(expect.objectContaining({ conversationId: 'c1' }), refused);
  });

  it("waits at least the server's retryAfterMs after RATE_LIMITED", async () => {
    const device = client(socket);
    await device.connect();
    const limited = retryable('RATE_LIMITED', { scope: 'device', retryAfterMs: 4000 });
    socket.respond = () =>
      socket.frames.length === 1 && !limited.ok ? limited : { ok: true, results: [ok] };
    const answer = device.markRead('c1', 1);
    await jest.advanceTimersByTimeAsync(WINDOW + 3900);
    expect(socket.frames).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(5000);
    expect(socket.frames).toHaveLength(2);
    expect(await answer).toEqual(ok);
  });

  it('hands over the last retryable answer once retryForMs has passed', async () => {
    const device = client(socket, { retryForMs: 2000 });
    await device.connect();
    socket.respond = () => ({ ok: true, results: [retryable()] });
    const answer = device.markRead('c1', 1);
    await jest.advanceTimersByTimeAsync(WINDOW + 10_000);
    expect(await answer).toEqual(retryable());
    const tries = socket.frames.length;
    expect(tries).toBeGreaterThan(2);
    await jest.advanceTimersByTimeAsync(60_000);
    expect(socket.frames).toHaveLength(tries);
  });
});

describe('offline', () => {
  it('keeps ACKs made offline and sends them in one frame on reconnect', async () => {
    const device = client(socket);
    const answer = device.markRead('c1', 4);
    void device.markDelivered('c2', ['m1']);
    await jest.advanceTimersByTimeAsync(60_000);
    expect(socket.frames).toHaveLength(0);
    await device.connect();
    await jest.advanceTimersByTimeAsync(5);
    expect(socket.frames.map((f) => f.frame.items.length)).toEqual([2]);
    expect(await answer).toEqual(ok);
  });

  it('sends a frame that lost its connection again after reconnecting, however long it took', async () => {
    const device = client(socket, { retryForMs: 1000 });
    await device.connect();
    socket.respond = () => 'no answer';
    const answer = device.markRead('c1', 4);
    await jest.advanceTimersByTimeAsync(WINDOW);
    device.disconnect();
    await jest.advanceTimersByTimeAsync(120_000);
    expect(socket.frames).toHaveLength(1);
    socket.respond = () => ({ ok: true, results: [ok] });
    await device.connect();
    await jest.advanceTimersByTimeAsync(6000);
    expect(socket.frames).toHaveLength(2);
    expect(await answer).toEqual(ok);
  });

  it('answers what is still queued CLOSED when closed', async () => {
    const device = client(socket);
    const answer = device.markRead('c1', 4);
    device.close();
    expect(await answer).toMatchObject({ ok: false, error: { code: 'CLOSED' } });
  });
});
