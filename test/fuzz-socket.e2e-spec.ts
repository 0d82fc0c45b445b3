/**
 * Property test of the socket edge: random and malformed frames from a connected device (wrong
 * types, missing and extra arguments, callbacks anywhere or nowhere, huge strings and arrays,
 * deep nesting, prototype-pollution keys, binary attachments, unknown event names). Whatever
 * comes in, every frame with a callback is answered with success (only for a valid ACK, which
 * here is always a duplicate) or a typed client error, never INTERNAL; nothing is written; the
 * socket keeps working and the service stays up. Seed and bounds: test/support/fuzz.ts.
 */
import * as fc from 'fast-check';
import { io } from 'socket.io-client';
import {
  ACK_EVENTS,
  ackFrameSchema,
  deliveredAckSchema,
  idSchema,
  readAckSchema,
} from '@receipts/contracts';
import { type Device, connectDevice, expectOk } from './support/devices';
import { DEV_IDENTITY, type RunningApp, startApp } from './support/app';
import { detail, eventsAppended, get, registerOk, unreadIn } from './support/http';
import {
  KNOWN_CODES,
  POLLUTING,
  fuzzParameters,
  nested,
  prototypeClean,
  retryableOf,
  WITHOUT_RATE_LIMITS,
} from './support/fuzz';
import { eventually } from './support/wait';

jest.setTimeout(40_000);

const conv = 'fz';
const ids = ['fz-1', 'fz-2', 'fz-3', 'fz-4'];
let running: RunningApp;
let url: string;
let bob: Device;

/** What no frame may change: the event count, bob's cursor, and the sender's views. */
const snapshot = async () => ({
  appended: await eventsAppended(url),
  cursor: (await unreadIn(url, 'bob', conv)).body,
  details: await Promise.all(ids.map(async (m) => (await detail(url, conv, m, 'alice')).body)),
});

beforeAll(async () => {
  running = await startApp({ ...DEV_IDENTITY, ...WITHOUT_RATE_LIMITS });
  url = running.url;
  // fz-1..3 to bob and carol, fz-4 to carol only (NOT_A_RECIPIENT for bob).
  for (const [i, messageId] of ids.entries()) {
    await registerOk(url, {
      messageId,
      conversationId: conv,
      senderId: 'alice',
      sequence: i + 1,
      recipientIds: i < 3 ? ['bob', 'carol'] : ['carol'],
    });
  }
  bob = await connectDevice(url, 'bob', 'phone');
  // Bob has everything: any valid ACK of his on fz is a duplicate that writes nothing.
  expectOk(await bob.client.markDelivered(conv, ids.slice(0, 3)), 3);
  expectOk(await bob.client.markRead(conv, 4), 1);
  await eventually('bob read everything', async () => {
    expect((await unreadIn(url, 'bob', conv)).body).toMatchObject({ readUpTo: 4, unread: 0 });
  });
});

afterAll(async () => {
  bob?.close();
  await running?.close();
});

/** Longest error message the service may answer, whatever it was sent. */
const MAX_MESSAGE_LENGTH = 4096;

type Frame = { event: string; args: unknown[]; callback: 'last' | 'none' | 'not-last' };

const RESERVED = new Set(['connect', 'connect_error', 'disconnect', 'disconnecting']);
const RESERVED_BY_EMITTER = new Set(['newListener', 'removeListener']);
const event = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('receipt:delivered', 'receipt:read', 'receipt:ack') },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'receipt:Read',
      'receipt:delivered ',
      'receipts',
      '__proto__',
      'constructor',
      'hasOwnProperty',
      'toString',
      'error',
      '',
    ),
  },
  {
    weight: 1,
    arbitrary: fc
      .string({ maxLength: 40 })
      .filter((e) => !RESERVED.has(e) && !RESERVED_BY_EMITTER.has(e)),
  },
);

const idLike = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(conv, ...ids, 'fz-9', 'nowhere', 'bob') },
  { weight: 2, arbitrary: fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 70 }) },
  { weight: 1, arbitrary: fc.constantFrom('x'.repeat(65), '', ' fz', 'fz\n', 'fz/../fz-1') },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.boolean(), fc.constant(null)) },
);
const sequenceLike = fc.oneof(
  fc.integer({ min: -3, max: 8 }),
  fc.double(),
  fc.constantFrom(0, -0, 2 ** 53, Number.MAX_SAFE_INTEGER, 1.5, '1', null, [1], { n: 1 }),
);
const binary = fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes));
const key = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'userId', 'deviceId', 'toString'),
);

/** Mostly ACK-shaped: each field present or not, right or wrong, plus stray fields. */
const ackShaped = fc
  .record(
    {
      conversationId: idLike,
      messageIds: fc.oneof(fc.array(idLike, { maxLength: 6 }), idLike),
      upToSequence: sequenceLike,
      extra: fc.tuple(key, fc.anything({ maxDepth: 2 })),
    },
    { requiredKeys: [] },
  )
  .map(({ extra, ...ack }) => {
    const value: Record<string, unknown> = { ...ack };
    if (extra) Object.defineProperty(value, extra[0], { value: extra[1], enumerable: true });
    return value;
  });

/** Mostly `receipt:ack`-shaped: items that are ACK-shaped with a type, right or wrong. */
const frameShaped = fc.record(
  {
    items: fc.oneof(
      fc.array(
        fc
          .tuple(ackShaped, fc.constantFrom('delivered', 'delivered_up_to', 'read', 'seen', 1))
          .map(([ack, type]) => ({ type, ...ack })),
        { maxLength: 4 },
      ),
      fc.anything({ maxDepth: 2, key }),
    ),
    extra: fc.anything({ maxDepth: 1 }),
  },
  { requiredKeys: ['items'] },
);

const payload = fc.oneof(
  { weight: 6, arbitrary: ackShaped },
  { weight: 3, arbitrary: frameShaped },
  { weight: 2, arbitrary: fc.anything({ maxDepth: 3, key }) },
  { weight: 1, arbitrary: fc.constantFrom(...POLLUTING) },
  { weight: 1, arbitrary: binary },
  { weight: 1, arbitrary: binary.map((b) => ({ conversationId: conv, messageIds: [b] })) },
  { weight: 1, arbitrary: fc.constantFrom(nested(900), { conversationId: nested(300) }) },
);

/** A large value, printed by its description when a property fails. */
const described = <T extends object>(description: string, value: T): T =>
  Object.assign(value, { [fc.toStringMethod]: () => description });

/** Large, but under Socket.IO's 1 MB frame limit (a frame over it closes the connection). */
const huge = fc.constantFrom<unknown>(
  described('a 400 kB conversationId', { conversationId: 'x'.repeat(400_000), upToSequence: 1 }),
  described('20,000 repeats of a known id', {
    conversationId: conv,
    messageIds: Array<string>(20_000).fill(ids[0]!),
  }),
  described('30,000 invalid ids', {
    conversationId: conv,
    messageIds: Array.from({ length: 30_000 }, (_, i) => `bad id ${i}`),
  }),
  described('a 300 kB binary id', { conversationId: conv, messageIds: [Buffer.alloc(300_000, 7)] }),
  described('an array of 100,000 numbers', Array<number>(100_000).fill(1)),
  described('a 2,000-character key', {
    conversationId: conv,
    upToSequence: 1,
    ['k'.repeat(2000)]: true,
  }),
);

const frame: fc.Arbitrary<Frame> = fc.oneof(
  {
    weight: 9,
    arbitrary: fc.record({
      event,
      args: fc.array(payload, { maxLength: 3 }),
      callback: fc.constantFrom<Frame['callback']>('last', 'last', 'last', 'none', 'not-last'),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      event: fc.constantFrom('receipt:delivered', 'receipt:read'),
      args: huge.map((h) => [h]),
      callback: fc.constant<Frame['callback']>('last'),
    }),
  },
);

/** The arguments as the server decodes them: JSON (undefined and NaN become null, functions null). */
const onTheWire = (value: unknown): unknown =>
  value === undefined ? null : (JSON.parse(JSON.stringify(value) ?? 'null') as unknown);

type Sent = { answered: true; answers: unknown[] } | { answered: false };
type RawSocket = {
  emit: (event: string, ...args: unknown[]) => void;
  timeout: (ms: number) => RawSocket;
};

const send = (f: Frame): Promise<Sent> => {
  const socket = bob.client.socket as unknown as RawSocket;
  if (f.callback === 'none') {
    socket.emit(f.event, ...f.args);
    return Promise.resolve({ answered: false });
  }
  if (f.callback === 'not-last') {
    socket.emit(f.event, ...f.args, () => undefined, 'after the callback');
    return Promise.resolve({ answered: false });
  }
  return new Promise((resolve) => {
    socket.timeout(5000).emit(f.event, ...f.args, (error: unknown, ...answers: unknown[]) => {
      resolve(error ? { answered: false } : { answered: true, answers });
    });
  });
};

/** The answer a frame must get, as far as its shape decides it. */
const expectedAnswer = (f: Frame): 'NOT_FOUND' | 'VALIDATION_FAILED' | 'checked by the domain' => {
  if (!ACK_EVENTS.has(f.event)) return 'NOT_FOUND';
  if (f.args.length !== 1) return 'VALIDATION_FAILED';
  const schema =
    f.event === 'receipt:ack'
      ? ackFrameSchema
      : f.event === 'receipt:read'
        ? readAckSchema
        : deliveredAckSchema;
  return schema.safeParse(onTheWire(f.args[0])).success
    ? 'checked by the domain'
    : 'VALIDATION_FAILED';
};

const checkAnswer = (f: Frame, sent: Sent): void => {
  if (f.callback !== 'last') return;
  expect(sent.answered).toBe(true);
  if (!sent.answered) return;
  expect(sent.answers).toHaveLength(1);
  const answer = sent.answers[0] as Record<string, unknown>;
  const expected = expectedAnswer(f);
  if (answer.ok === true) {
    // Success only for a valid ACK, and every valid one of bob's here is a duplicate.
    expect(expected).toBe('checked by the domain');
    if (f.event !== 'receipt:ack') {
      expect(answer).toEqual({ ok: true, applied: 0, duplicates: expect.any(Number) as unknown });
      return;
    }
    const items = (onTheWire(f.args[0]) as { items: unknown[] }).items;
    expect(Object.keys(answer).sort()).toEqual(['ok', 'results']);
    const results = answer.results as Array<Record<string, unknown>>;
    expect(results).toHaveLength(items.length);
    for (const result of results) {
      if (result.ok === true) {
        expect(result).toEqual({ ok: true, applied: 0, duplicates: expect.any(Number) as unknown });
      } else {
        checkError(result, 'checked by the domain');
      }
    }
    return;
  }
  checkError(answer, expected);
};

const checkError = (
  answer: Record<string, unknown>,
  expected: ReturnType<typeof expectedAnswer>,
): void => {
  const error = answer.error as { code: (typeof KNOWN_CODES)[number]; message: unknown };
  expect(Object.keys(answer).sort()).toEqual(['error', 'ok']);
  expect(answer.ok).toBe(false);
  expect(Object.keys(error).sort()).toEqual(['code', 'message', 'retryable']);
  expect(KNOWN_CODES).toContain(error.code);
  expect(error.code).not.toBe('INTERNAL');
  expect(answer.error).toMatchObject({ retryable: retryableOf(error.code) });
  // An answer never grows with the input: no echo of huge values, a bounded list of issues.
  expect(typeof error.message === 'string' && error.message.length > 0).toBe(true);
  expect(String(error.message).length).toBeLessThanOrEqual(MAX_MESSAGE_LENGTH);
  if (expected === 'checked by the domain') {
    expect(['NOT_YET_REGISTERED', 'NOT_A_RECIPIENT', 'BATCH_TOO_LARGE']).toContain(error.code);
  } else {
    expect(error.code).toBe(expected);
  }
};

describe('random and malformed socket frames', () => {
  it('are each answered with a typed client error (or a duplicate success), write nothing, and leave the socket working', async () => {
    const baseline = await snapshot();
    await fc.assert(
      fc.asyncProperty(frame, async (f) => {
        const before = await eventsAppended(url);
        const sent = await send(f);
        checkAnswer(f, sent);
        // ACKs of one socket are handled in order: once this answer is back, every frame
        // above was handled, and the socket still works.
        expect(await bob.raw('receipt:read', { conversationId: conv, upToSequence: 1 })).toEqual({
          ok: true,
          applied: 0,
          duplicates: 1,
        });
        expect(await eventsAppended(url)).toBe(before);
        expect(prototypeClean()).toBe(true);
      }),
      fuzzParameters<[Frame]>(250),
    );
    expect(bob.client.socket.connected).toBe(true);
    expect((await get(url, '/health/live')).status).toBe(200);
    expect(await snapshot()).toEqual(baseline);
  });

  it('a frame over the 1 MB limit closes only that connection; the device reconnects and ACKs', async () => {
    const before = await snapshot();
    const other = await connectDevice(url, 'bob', 'tablet');
    try {
      const closed = new Promise<string>((resolve) =>
        other.client.socket.once('disconnect', (reason) => resolve(reason)),
      );
      (other.client.socket as unknown as RawSocket).emit(
        'receipt:read',
        { conversationId: 'x'.repeat(1_100_000), upToSequence: 1 },
        () => undefined,
      );
      expect(await closed).toBe('transport close');
      expect(bob.client.socket.connected).toBe(true);
      expectOk(await bob.raw('receipt:read', { conversationId: conv, upToSequence: 4 }), 0);
      const again = await connectDevice(url, 'bob', 'tablet');
      expectOk(await again.raw('receipt:read', { conversationId: conv, upToSequence: 4 }), 0);
      again.close();
    } finally {
      other.close();
    }
    expect(await snapshot()).toEqual(before);
  });

  it('random handshakes: a device connects only with valid ids, every refusal is a typed UNAUTHENTICATED', async () => {
    const auth = fc.oneof(
      fc.record({ userId: idLike, deviceId: idLike, extra: key }, { requiredKeys: [] }),
      fc.record({ userId: idLike, deviceId: idLike, token: idLike }, { requiredKeys: ['token'] }),
      fc.dictionary(key, fc.anything({ maxDepth: 2 }), { maxKeys: 4 }),
      fc.constantFrom(...POLLUTING),
    );
    const before = await snapshot();
    await fc.assert(
      fc.asyncProperty(auth, async (a) => {
        const wire = onTheWire(a) as Record<string, unknown> | null;
        const valid =
          // Without a token key a token is not looked at: the development ids decide.
          wire !== null &&
          idSchema.safeParse(wire.userId).success &&
          idSchema.safeParse(wire.deviceId).success;
        const socket = io(`${url}/receipts`, {
          auth: a as object,
          transports: ['websocket'],
          reconnection: false,
          forceNew: true,
        });
        try {
          const outcome = await new Promise<{ connected: boolean; data?: unknown }>((resolve) => {
            socket.once('connect', () => resolve({ connected: true }));
            socket.once('connect_error', (error: Error & { data?: unknown }) =>
              resolve({ connected: false, data: error.data }),
            );
          });
          expect({ valid, connected: outcome.connected }).toEqual({ valid, connected: valid });
          if (!outcome.connected) {
            expect(outcome.data).toMatchObject({ code: 'UNAUTHENTICATED', retryable: false });
          }
        } finally {
          socket.close();
        }
      }),
      fuzzParameters<[unknown]>(60),
    );
    expect(prototypeClean()).toBe(true);
    expect(await snapshot()).toEqual(before);
  });
});
