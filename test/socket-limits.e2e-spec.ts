/**
 * Abuse limits on the socket, against the running service with real socket.io-client devices:
 * ACK frames per device and per user, sockets per device and per user, ids per delivered ACK,
 * bytes per frame, and the origins a browser may connect from. Each refusal is typed and
 * writes nothing.
 */
import { type Socket, io } from 'socket.io-client';
import { RECEIPTS_NAMESPACE } from '@receipts/contracts';
import { type RunningApp, DEV_IDENTITY, startApp } from './support/app';
import { type Device, connectDevice } from './support/devices';
import { anyNumber, anyString } from './support/matchers';
import { eventsAppended, registerOk, unreadIn } from './support/http';
import { eventually } from './support/wait';

jest.setTimeout(30_000);

const ALLOWED_ORIGIN = 'https://app.example.com';
const LIMITS = {
  RECEIPTS_LIMIT_WINDOW_S: '30',
  RECEIPTS_LIMIT_DEVICE_FRAMES_PER_S: '1', // 30 frames per device and window
  RECEIPTS_LIMIT_USER_FRAMES_PER_S: '2', // 60 per user
  RECEIPTS_MAX_SOCKETS_PER_DEVICE: '1',
  RECEIPTS_MAX_SOCKETS_PER_USER: '2',
  RECEIPTS_MAX_DELIVERED_IDS: '3',
  RECEIPTS_MAX_ACK_ITEMS: '2',
  RECEIPTS_MAX_FRAME_BYTES: '4096',
  RECEIPTS_SOCKET_CORS_ORIGINS: ALLOWED_ORIGIN,
};

let running: RunningApp;
let url: string;
const devices: Device[] = [];
const sockets: Socket[] = [];
const conv = 'conv-limits';

const connect = async (userId: string, deviceId: string): Promise<Device> => {
  const device = await connectDevice(url, userId, deviceId);
  devices.push(device);
  return device;
};

/** A bare socket.io-client socket: connects, or says why it was refused. */
const attempt = (
  userId: string,
  deviceId: string,
  extraHeaders: Record<string, string> = {},
): Promise<{ connected: true } | { connected: false; message: string; data?: unknown }> => {
  const socket = io(url + RECEIPTS_NAMESPACE, {
    auth: { userId, deviceId },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    extraHeaders,
  });
  sockets.push(socket);
  return new Promise((resolve) => {
    socket.once('connect', () => resolve({ connected: true }));
    socket.once('connect_error', (error: Error & { data?: unknown }) =>
      resolve({ connected: false, message: error.message, data: error.data }),
    );
  });
};

const rateLimited = (scope: string) => ({
  ok: false,
  error: {
    code: 'RATE_LIMITED',
    message: anyString,
    retryable: true,
    details: { scope, retryAfterMs: anyNumber },
  },
});

beforeAll(async () => {
  running = await startApp({ ...DEV_IDENTITY, ...LIMITS });
  url = running.url;
  for (let sequence = 1; sequence <= 3; sequence++) {
    await registerOk(url, {
      messageId: `m${sequence}`,
      conversationId: conv,
      senderId: 'alice',
      sequence,
      recipientIds: ['bob', 'carol', 'dave'],
    });
  }
  await eventually('registrations projected', async () => {
    expect((await unreadIn(url, 'bob', conv)).body).toMatchObject({ unread: 3 });
  });
});

afterAll(async () => {
  for (const socket of sockets) socket.close();
  for (const device of devices) device.close();
  await running?.close();
});

describe('ACK frames', () => {
  it('answers a frame over the device budget RATE_LIMITED with the wait, and writes nothing', async () => {
    const phone = await connect('bob', 'phone');
    expect(await phone.raw('receipt:read', { conversationId: conv, upToSequence: 1 })).toEqual({
      ok: true,
      applied: 1,
      duplicates: 0,
    });
    for (let i = 1; i < 30; i++) {
      const answer = await phone.raw('receipt:read', { conversationId: conv, upToSequence: 1 });
      expect(answer).toMatchObject({ ok: true });
    }
    const before = await eventsAppended(url);
    const refused = await phone.raw('receipt:read', { conversationId: conv, upToSequence: 3 });
    expect(refused).toEqual(rateLimited('device'));
    const wait = refused.ok ? 0 : (refused.error.details?.retryAfterMs as number);
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(30_000);
    // Invalid frames count too: they are refused before they are read.
    expect(await phone.raw('receipt:read', { nonsense: true })).toEqual(rateLimited('device'));
    expect(await eventsAppended(url)).toBe(before);
    expect((await unreadIn(url, 'bob', conv)).body).toMatchObject({ readUpTo: 1 });
  });

  it("shares one budget between a user's devices", async () => {
    const laptop = await connect('bob', 'laptop');
    // bob spent 32 of 60 from the phone; the laptop's own budget is 30.
    for (let i = 0; i < 28; i++) {
      expect(
        await laptop.raw('receipt:delivered', { conversationId: conv, messageIds: ['m1'] }),
      ).toMatchObject({ ok: true });
    }
    expect(
      await laptop.raw('receipt:delivered', { conversationId: conv, messageIds: ['m2'] }),
    ).toEqual(rateLimited('user'));
    // Another user is not affected.
    const carol = await connect('carol', 'phone');
    expect(await carol.raw('receipt:read', { conversationId: conv, upToSequence: 1 })).toEqual({
      ok: true,
      applied: 1,
      duplicates: 0,
    });
  });

  it('counts a receipt:ack frame once, whatever its items, and refuses it whole', async () => {
    const ivan = await connect('ivan', 'phone');
    const items = [
      { type: 'read', conversationId: conv, upToSequence: 1 },
      { type: 'delivered', conversationId: conv, messageIds: ['m1'] },
    ];
    for (let i = 0; i < 30; i++) {
      expect(await ivan.raw('receipt:ack', { items })).toMatchObject({ ok: true });
    }
    const before = await eventsAppended(url);
    expect(
      await ivan.raw('receipt:ack', {
        items: [{ type: 'read', conversationId: conv, upToSequence: 3 }],
      }),
    ).toEqual(rateLimited('device'));
    expect(await eventsAppended(url)).toBe(before);
  });
});

describe('sizes', () => {
  it('refuses a delivered ACK over RECEIPTS_MAX_DELIVERED_IDS whole: BATCH_TOO_LARGE', async () => {
    const dave = await connect('dave', 'phone');
    const before = await eventsAppended(url);
    expect(
      await dave.raw('receipt:delivered', {
        conversationId: conv,
        messageIds: ['m1', 'm2', 'm3', 'm4'],
      }),
    ).toEqual({
      ok: false,
      error: { code: 'BATCH_TOO_LARGE', message: anyString, retryable: false },
    });
    expect(await eventsAppended(url)).toBe(before);
    expect(
      await dave.raw('receipt:delivered', { conversationId: conv, messageIds: ['m1', 'm2', 'm3'] }),
    ).toEqual({ ok: true, applied: 3, duplicates: 0 });
  });

  it('refuses a receipt:ack frame over RECEIPTS_MAX_ACK_ITEMS whole: BATCH_TOO_LARGE', async () => {
    const gina = await connect('gina', 'phone');
    const before = await eventsAppended(url);
    const read = { type: 'read', conversationId: conv, upToSequence: 1 };
    const socket = gina.client.socket.timeout(5000) as unknown as {
      emitWithAck: (event: string, payload: unknown) => Promise<unknown>;
    };
    expect(await socket.emitWithAck('receipt:ack', { items: [read, read, read] })).toEqual({
      ok: false,
      error: { code: 'BATCH_TOO_LARGE', message: anyString, retryable: false },
    });
    expect(await eventsAppended(url)).toBe(before);
    // At the limit the frame is taken, and each item answered (gina is in no conversation).
    const notYet = {
      ok: false,
      error: { code: 'NOT_YET_REGISTERED', message: anyString, retryable: true },
    };
    expect(await socket.emitWithAck('receipt:ack', { items: [read, read] })).toEqual({
      ok: true,
      results: [notYet, notYet],
    });
  });

  it('closes the connection of a frame over RECEIPTS_MAX_FRAME_BYTES; nothing is written, the service goes on', async () => {
    const erin = await connect('erin', 'phone');
    const before = await eventsAppended(url);
    const closed = new Promise<string>((resolve) => erin.client.socket.once('disconnect', resolve));
    const huge = { conversationId: conv, messageIds: Array(400).fill('m'.repeat(20)) };
    await expect(erin.raw('receipt:delivered', huge, 2000)).rejects.toThrow();
    expect(await closed).toBe('transport close');
    expect(await eventsAppended(url)).toBe(before);
    const carolLaptop = await connect('carol', 'laptop');
    expect(
      await carolLaptop.raw('receipt:read', { conversationId: conv, upToSequence: 2 }),
    ).toEqual({ ok: true, applied: 1, duplicates: 0 });
  });
});

describe('sockets per device and per user', () => {
  it('refuses a second socket of one device with a typed connect_error', async () => {
    await connect('frank', 'phone');
    const second = await attempt('frank', 'phone');
    expect(second).toEqual({
      connected: false,
      message: anyString,
      data: {
        code: 'TOO_MANY_CONNECTIONS',
        message: anyString,
        retryable: false,
        details: { scope: 'device', limit: 1 },
      },
    });
  });

  it('refuses a user over RECEIPTS_MAX_SOCKETS_PER_USER until one of their sockets closes', async () => {
    await connect('grace', 'phone');
    const laptop = await connect('grace', 'laptop');
    expect(await attempt('grace', 'tablet')).toMatchObject({
      connected: false,
      data: { code: 'TOO_MANY_CONNECTIONS', details: { scope: 'user', limit: 2 } },
    });
    laptop.close();
    await eventually('a place freed by the closed socket', async () => {
      expect(await attempt('grace', 'tablet')).toEqual({ connected: true });
    });
  });
});

describe('origins', () => {
  it('lets a browser connect only from an allowed origin; clients without an Origin connect', async () => {
    expect(await attempt('henry', 'phone', { origin: ALLOWED_ORIGIN })).toEqual({
      connected: true,
    });
    expect(await attempt('henry', 'laptop', { origin: 'https://evil.example' })).toMatchObject({
      connected: false,
    });
    expect(await attempt('henry', 'tablet')).toEqual({ connected: true });
  });
});
