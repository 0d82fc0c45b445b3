/**
 * Bearer tokens on the Socket.IO handshake, with real socket.io-client connections and the
 * development identity off: who may connect, as whom a socket ACKs, and expiry.
 */
import { type Socket, io } from 'socket.io-client';
import { ReceiptsClient } from '@receipts/client';
import type { AckResult } from '@receipts/contracts';
import { type RunningApp, startApp } from './support/app';
import type { MessageReceipts } from '@receipts/application';
import { get, receiptOf, register } from './support/http';
import { JWT_ENV, badTokens, bearer, nowSeconds, serviceToken, userToken } from './support/tokens';
import { eventually } from './support/wait';

jest.setTimeout(20_000);

let running: RunningApp;
let url: string;
let alice: Record<string, string>;
const sockets: Socket[] = [];

type Opened =
  { socket: Socket; error?: undefined } | { socket?: undefined; error: Error & { data?: unknown } };

/** Opens a raw socket with `auth`; resolves when it connects or is refused. */
const open = (auth: unknown): Promise<Opened> =>
  new Promise((resolve, reject) => {
    const socket = io(`${url}/receipts`, {
      auth: auth as object,
      transports: ['websocket'],
      reconnection: false,
    });
    sockets.push(socket);
    const timer = setTimeout(
      () => reject(new Error(`no answer to auth ${JSON.stringify(auth)}`)),
      5000,
    );
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve({ socket });
    });
    socket.once('connect_error', (error: Error & { data?: unknown }) => {
      clearTimeout(timer);
      socket.close();
      resolve({ error });
    });
  });

const refusalOf = async (auth: unknown): Promise<unknown> => {
  const opened = await open(auth);
  return opened.error ? opened.error.data : 'connected';
};

const recipientState = async (userId: string) => {
  const answer = await get(url, '/conversations/c1/messages/m1/receipts', alice);
  return receiptOf(answer.body as MessageReceipts, userId);
};

beforeAll(async () => {
  running = await startApp(JWT_ENV);
  url = running.url;
  alice = bearer(await userToken('alice'));
  const chatServer = bearer(await serviceToken('chat-server'));
  const message = {
    messageId: 'm1',
    conversationId: 'c1',
    senderId: 'alice',
    sequence: 1,
    recipientIds: ['bob', 'carol'],
  };
  expect((await register(url, message, chatServer)).status).toBe(201);
});

afterEach(() => {
  for (const socket of sockets.splice(0)) socket.close();
});

afterAll(async () => {
  await running?.close();
});

describe('a device socket with a token', () => {
  it('connects with a device token and ACKs as its sub, from its device', async () => {
    const client = new ReceiptsClient({
      url,
      token: await userToken('bob', 'phone'),
      batchWindowMs: 5,
    });
    try {
      await client.connect();
      expect(await client.markDelivered('c1', ['m1'])).toMatchObject({ ok: true, applied: 1 });
      await eventually('bob delivered', async () => {
        expect(await recipientState('bob')).toMatchObject({ status: 'delivered' });
      });
      // The sender's view names the device of a read (a delivery shows no device).
      expect(await client.markRead('c1', 1)).toMatchObject({ ok: true, applied: 1 });
    } finally {
      client.close();
    }
    await eventually('bob read on his phone', async () => {
      expect(await recipientState('bob')).toMatchObject({ status: 'read', deviceId: 'phone' });
    });
  });

  it('refuses an ACK payload that names another user; nothing is recorded for them', async () => {
    const { socket } = await open({ token: await userToken('bob', 'phone') });
    const answer = (await socket!.timeout(5000).emitWithAck('receipt:read', {
      conversationId: 'c1',
      upToSequence: 1,
      userId: 'carol',
    })) as AckResult;
    expect(answer).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    expect(await recipientState('carol')).toMatchObject({ status: 'sent' });
  });

  it('takes a fresh token from a function at each connection', async () => {
    let calls = 0;
    const client = new ReceiptsClient({
      url,
      token: () => {
        calls += 1;
        return userToken('carol', 'tablet');
      },
      refreshOnConnect: false,
    });
    try {
      await client.connect();
      expect(calls).toBe(1);
    } finally {
      client.close();
    }
  });
});

describe('refused handshakes', () => {
  it.each([
    ['no auth', undefined, 'missing_token'],
    ['an empty auth', {}, 'missing_token'],
    ['the development ids', { userId: 'bob', deviceId: 'phone' }, 'missing_token'],
    ['a token that is not a string', { token: 42 }, 'malformed'],
  ])('refuses %s', async (_, auth, reason) => {
    expect(await refusalOf(auth)).toMatchObject({
      code: 'UNAUTHENTICATED',
      retryable: false,
      details: { reason },
    });
  });

  it('refuses every kind of bad token, with the reason', async () => {
    for (const [name, token, reason] of await badTokens('bob', 'phone')) {
      const data = (await refusalOf({ token })) as { code?: string; details?: { reason?: string } };
      expect({ name, code: data.code, reason: data.details?.reason }).toEqual({
        name,
        code: 'UNAUTHENTICATED',
        reason,
      });
    }
  });

  it('refuses a user token without a device claim, saying why', async () => {
    expect(await refusalOf({ token: await userToken('bob') })).toMatchObject({
      code: 'UNAUTHENTICATED',
      message: expect.stringContaining('device claim (did)') as unknown,
      details: { reason: 'no_device' },
    });
  });

  it('refuses a service token: services do not open device sockets', async () => {
    expect(await refusalOf({ token: await serviceToken('chat-server') })).toMatchObject({
      code: 'UNAUTHENTICATED',
      details: { reason: 'not_a_device' },
    });
  });
});

describe('expiry', () => {
  it('disconnects a socket when its token expires, and refuses the token after', async () => {
    const token = await userToken('bob', 'laptop', { exp: nowSeconds() + 2 });
    const { socket } = await open({ token });
    expect(socket?.connected).toBe(true);
    const reason = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('still connected 4 s later')), 4000);
      socket!.once('disconnect', (why) => {
        clearTimeout(timer);
        resolve(why);
      });
    });
    expect(reason).toBe('io server disconnect');
    expect(await refusalOf({ token })).toMatchObject({ details: { reason: 'expired' } });
  });
});
