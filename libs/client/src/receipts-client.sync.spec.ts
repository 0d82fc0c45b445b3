import { ReceiptsRequestError } from './server-requests';
import { clientOn } from './testing/fake-client';
import { FakeSocket } from './testing/fake-socket';

let socket: FakeSocket;

beforeEach(() => {
  jest.useFakeTimers();
  socket = new FakeSocket();
});
afterEach(() => jest.useRealTimers());

const client = () => clientOn(socket);
// Requests share the frame budget (10 a second) and are answered on the fake clock.
const settle = () => jest.advanceTimersByTimeAsync(1000);
const answered = async <T>(request: Promise<T>): Promise<T> => {
  await settle();
  return request;
};
const refusal = (code: string, details: Record<string, unknown> = {}) => ({
  ok: false as const,
  error: { code, message: code, retryable: false, details },
});
/** The server forgets a device's syncs a minute after its last connection closed. */
const LINGER_MS = 60_000;

describe('receipt sync', () => {
  it('starts with the server and answers with what the device syncs', async () => {
    const device = client();
    await device.connect();
    await expect(answered(device.startReceiptSync('c1'))).resolves.toEqual({
      conversationId: 'c1',
      syncing: ['c1'],
      memberDetailMax: 100,
    });
    expect(device.syncing).toEqual(['c1']);
    expect(socket.syncRequests()).toEqual([['receipt:sync:start', 'c1']]);
  });

  it('starts again after a reconnection, even after the server stopped it by itself', async () => {
    const device = client();
    await device.connect();
    await answered(device.startReceiptSync('c1'));
    device.disconnect();
    await jest.advanceTimersByTimeAsync(LINGER_MS + 1000);
    socket.syncing.clear();
    await device.connect();
    await settle();
    expect(socket.syncRequests()).toEqual([
      ['receipt:sync:start', 'c1'],
      ['receipt:sync:start', 'c1'],
    ]);
    expect([...socket.syncing]).toEqual(['c1']);
  });

  it('does not start again what was stopped, and tells the server of a stop made offline', async () => {
    const device = client();
    await device.connect();
    await answered(device.startReceiptSync('c1'));
    await answered(device.startReceiptSync('c2'));
    await answered(device.stopReceiptSync('c1'));
    device.disconnect();
    await answered(device.stopReceiptSync('c2'));
    expect(device.syncing).toEqual([]);
    await device.connect();
    await settle();
    expect(socket.syncRequests().slice(3)).toEqual([['receipt:sync:stop', 'c2']]);
    expect([...socket.syncing]).toEqual([]);
  });

  it('answers a start made offline once connected', async () => {
    const device = client();
    const started = device.startReceiptSync('c1');
    await settle();
    expect(socket.syncRequests()).toEqual([]);
    await device.connect();
    await expect(answered(started)).resolves.toMatchObject({ syncing: ['c1'] });
    expect(socket.syncRequests()).toEqual([['receipt:sync:start', 'c1']]);
  });

  it('rejects a refused start with a typed error, drops it, and does not ask again', async () => {
    const device = client();
    const failed = jest.fn();
    device.on('syncFailed', failed);
    await device.connect();
    socket.answerSync = () => refusal('TOO_MANY_SYNCS', { limit: 10 });
    const error = await answered(device.startReceiptSync('c11')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReceiptsRequestError);
    expect(error).toMatchObject({
      code: 'TOO_MANY_SYNCS',
      retryable: false,
      details: { limit: 10 },
    });
    expect(failed).toHaveBeenCalledWith('c11', expect.objectContaining({ code: 'TOO_MANY_SYNCS' }));
    expect(device.syncing).toEqual([]);
    device.disconnect();
    await device.connect();
    await settle();
    expect(socket.syncRequests()).toHaveLength(1);
  });

  it('reports a sync the server refuses after a reconnection (not a member any more)', async () => {
    const device = client();
    const failed = jest.fn();
    device.on('syncFailed', failed);
    await device.connect();
    await answered(device.startReceiptSync('c1'));
    device.disconnect();
    socket.answerSync = () => refusal('UNKNOWN_CONVERSATION');
    await device.connect();
    await settle();
    expect(failed).toHaveBeenCalledWith(
      'c1',
      expect.objectContaining({ code: 'UNKNOWN_CONVERSATION' }),
    );
    expect(device.syncing).toEqual([]);
  });

  it('retries a start the server could not answer', async () => {
    const device = client();
    await device.connect();
    let calls = 0;
    const answer = socket.answerSync;
    socket.answerSync = (event, request) => {
      calls += 1;
      return calls === 1
        ? { ok: false, error: { code: 'RATE_LIMITED', message: 'slow down', retryable: true } }
        : answer(event, request);
    };
    const started = device.startReceiptSync('c1');
    await jest.advanceTimersByTimeAsync(6000);
    await expect(started).resolves.toMatchObject({ syncing: ['c1'] });
    expect(calls).toBe(2);
  });

  it('folds per-member progress into the messages it knows, with counts once all are known', async () => {
    const device = client();
    await device.connect();
    await answered(device.startReceiptSync('c1'));
    device.trackSent('c1', 'm1', 1, 2);
    const progress = jest.fn();
    const message = jest.fn();
    device.on('progress', progress);
    device.on('message', message);
    const at = '2026-01-01T10:00:00.000Z';
    socket.progress([
      {
        type: 'member_delivered',
        conversationId: 'c1',
        messageId: 'm1',
        sequence: 1,
        userId: 'bob',
        deliveredAt: at,
      },
      {
        type: 'member_delivered',
        conversationId: 'c1',
        messageId: 'm9',
        sequence: 9,
        userId: 'bob',
        deliveredAt: at,
      },
    ]);
    expect(progress).toHaveBeenCalledTimes(1);
    expect(device.state.message('c1', 'm9')).toBeUndefined();
    expect(device.state.message('c1', 'm1')).toMatchObject({
      deliveredCount: 0,
      members: [{ userId: 'bob', status: 'delivered', deliveredAt: at, readAt: null }],
    });
    socket.progress([
      {
        type: 'member_read',
        conversationId: 'c1',
        userId: 'carol',
        readUpToSequence: 1,
        readAt: at,
        messages: [{ messageId: 'm1', sequence: 1 }],
      },
    ]);
    expect(device.state.message('c1', 'm1')).toMatchObject({
      deliveredCount: 2,
      readCount: 1,
      status: 'delivered',
      members: [
        { userId: 'bob', status: 'delivered' },
        { userId: 'carol', status: 'read', readAt: at },
      ],
    });
    expect(message).toHaveBeenCalledTimes(2);
  });

  it('answers a start still waiting when the client closes', async () => {
    const device = client();
    const started = device.startReceiptSync('c1');
    device.close();
    await expect(started).rejects.toMatchObject({ code: 'CLOSED' });
  });
});
