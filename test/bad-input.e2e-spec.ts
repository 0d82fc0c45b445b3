/**
 * Bad input over the socket and REST: every case gets its typed error (code, message, retryable)
 * and writes nothing (no event appended, read models unchanged), and the service keeps serving.
 */
import { io } from 'socket.io-client';
import { MAX_DELIVERED_BATCH } from '@receipts/contracts';
import { type Device, connectDevice } from './support/devices';
import { type RunningApp, startApp } from './support/app';
import { anyString } from './support/matchers';
import {
  CHAT_SERVER,
  type HttpAnswer,
  OPERATOR,
  type Problem,
  asUser,
  detail,
  eventsAppended,
  get,
  postRaw,
  put,
  receiptOf,
  register,
  registerOk,
  unreadIn,
} from './support/http';
import { eventually } from './support/wait';

jest.setTimeout(20_000);

let running: RunningApp;
let url: string;
let bob: Device;
const alice = 'alice';
const conv = 'conv-1';
const [m1, m2] = ['msg-1', 'msg-2'];
const sentAt = '2026-01-01T10:00:00.000Z';
/** m1 as the setup registers it. */
const m1Again = {
  messageId: m1,
  conversationId: conv,
  senderId: alice,
  sequence: 1,
  recipientIds: ['bob', 'carol'],
  sentAt,
};

const failsWith = (answer: unknown, code: string, retryable = false): void => {
  expect(answer).toEqual({ ok: false, error: { code, message: anyString, retryable } });
  expect((answer as { error: { message: string } }).error.message.length).toBeGreaterThan(0);
};

const problem = (answer: HttpAnswer, status: number, code: string): void => {
  expect({
    status: answer.status,
    code: (answer.body as Partial<Problem> | undefined)?.code,
  }).toEqual({ status, code });
  expect(answer.contentType).toContain('application/problem+json');
  expect(answer.body).toMatchObject({
    retryable: false,
    message: anyString,
    status,
    type: `urn:receipts:error:${code}`,
  });
};

/** The state nothing bad may change: event count and bob's view of conv-1. */
const snapshot = async () => ({
  appended: await eventsAppended(url),
  cursor: (await unreadIn(url, 'bob', conv)).body,
  m1: (await detail(url, conv, m1, alice)).body,
  m2: (await detail(url, conv, m2, alice)).body,
});

let baseline: Awaited<ReturnType<typeof snapshot>>;

beforeAll(async () => {
  running = await startApp();
  url = running.url;
  await registerOk(url, m1Again);
  await registerOk(url, { ...m1Again, messageId: m2, sequence: 2 });
  bob = await connectDevice(url, 'bob', 'phone');
  await eventually('registration projected', async () => {
    expect((await unreadIn(url, 'bob', conv)).body).toMatchObject({ unread: 2, readUpTo: 0 });
    expect((await detail(url, conv, m2, alice)).status).toBe(200);
  });
  baseline = await snapshot();
});

afterEach(async () => {
  // Whatever a test sent, nothing was written.
  expect(await snapshot()).toEqual(baseline);
});

afterAll(async () => {
  bob?.close();
  await running?.close();
});

describe('socket ACKs', () => {
  it.each<[string, unknown]>([
    ['a string', 'conv-1'],
    ['null', null],
    ['a number', 7],
    ['an array', [{ conversationId: conv, upToSequence: 1 }]],
    ['no conversationId', { upToSequence: 1 }],
    ['no upToSequence', { conversationId: conv }],
    ['upToSequence as a string', { conversationId: conv, upToSequence: '1' }],
    ['upToSequence 0', { conversationId: conv, upToSequence: 0 }],
    ['negative upToSequence', { conversationId: conv, upToSequence: -1 }],
    ['fractional upToSequence', { conversationId: conv, upToSequence: 1.5 }],
    ['unsafe integer', { conversationId: conv, upToSequence: 2 ** 60 }],
    ['conversationId with spaces', { conversationId: 'conv 1', upToSequence: 1 }],
    ['empty conversationId', { conversationId: '', upToSequence: 1 }],
    ['65-char conversationId', { conversationId: 'c'.repeat(65), upToSequence: 1 }],
    ['conversationId as a number', { conversationId: 1, upToSequence: 1 }],
    ['an extra userId field', { conversationId: conv, upToSequence: 1, userId: 'carol' }],
  ])('read with %s: VALIDATION_FAILED', async (_, payload) => {
    failsWith(await bob.raw('receipt:read', payload), 'VALIDATION_FAILED');
  });

  it.each<[string, unknown]>([
    ['no payload fields', {}],
    ['messageIds empty', { conversationId: conv, messageIds: [] }],
    ['messageIds a string', { conversationId: conv, messageIds: m1 }],
    ['messageIds with a number', { conversationId: conv, messageIds: [m1, 2] }],
    ['messageIds with an invalid id', { conversationId: conv, messageIds: [m1, 'msg/../2'] }],
    [
      'both messageIds and upToSequence',
      { conversationId: conv, messageIds: [m1], upToSequence: 1 },
    ],
    ['upToSequence as a string', { conversationId: conv, upToSequence: '2' }],
    ['an extra deviceId field', { conversationId: conv, messageIds: [m1], deviceId: 'other' }],
  ])('delivered with %s: VALIDATION_FAILED', async (_, payload) => {
    failsWith(await bob.raw('receipt:delivered', payload), 'VALIDATION_FAILED');
  });

  it('unknown message ids: the retryable NOT_YET_REGISTERED, and the known ids in the batch are not applied', async () => {
    failsWith(
      await bob.raw('receipt:delivered', { conversationId: conv, messageIds: ['no-such-message'] }),
      'NOT_YET_REGISTERED',
      true,
    );
    failsWith(
      await bob.raw('receipt:delivered', {
        conversationId: conv,
        messageIds: [m1, 'no-such-message', m2],
      }),
      'NOT_YET_REGISTERED',
      true,
    );
    // A message id of another conversation is unknown here.
    await registerOk(url, {
      messageId: 'other-msg',
      conversationId: 'conv-other',
      senderId: alice,
      sequence: 1,
      recipientIds: ['carol'],
      sentAt,
    });
    baseline = await snapshot(); // registration above is legitimate
    failsWith(
      await bob.raw('receipt:delivered', { conversationId: conv, messageIds: ['other-msg'] }),
      'NOT_YET_REGISTERED',
      true,
    );
  });

  it('unknown conversation: NOT_YET_REGISTERED for every ACK kind', async () => {
    failsWith(
      await bob.raw('receipt:read', { conversationId: 'conv-nope', upToSequence: 1 }),
      'NOT_YET_REGISTERED',
      true,
    );
    failsWith(
      await bob.raw('receipt:delivered', { conversationId: 'conv-nope', upToSequence: 1 }),
      'NOT_YET_REGISTERED',
      true,
    );
    failsWith(
      await bob.raw('receipt:delivered', { conversationId: 'conv-nope', messageIds: [m1] }),
      'NOT_YET_REGISTERED',
      true,
    );
  });

  it('sequence beyond the last message: NOT_YET_REGISTERED, cursor unchanged', async () => {
    failsWith(
      await bob.raw('receipt:read', { conversationId: conv, upToSequence: 3 }),
      'NOT_YET_REGISTERED',
      true,
    );
    failsWith(
      await bob.raw('receipt:read', {
        conversationId: conv,
        upToSequence: Number.MAX_SAFE_INTEGER,
      }),
      'NOT_YET_REGISTERED',
      true,
    );
    failsWith(
      await bob.raw('receipt:delivered', { conversationId: conv, upToSequence: 3 }),
      'NOT_YET_REGISTERED',
      true,
    );
  });

  it(`more than ${MAX_DELIVERED_BATCH} ids: BATCH_TOO_LARGE, nothing applied (sent raw, bypassing the SDK)`, async () => {
    const ids = [
      m1,
      m2,
      ...Array.from({ length: MAX_DELIVERED_BATCH - 1 }, (_, i) => `unknown-${i}`),
    ];
    expect(ids).toHaveLength(MAX_DELIVERED_BATCH + 1);
    failsWith(
      await bob.raw('receipt:delivered', { conversationId: conv, messageIds: ids }),
      'BATCH_TOO_LARGE',
    );
    // Only the size is checked first: the same count of repeated known ids is still too large.
    failsWith(
      await bob.raw('receipt:delivered', {
        conversationId: conv,
        messageIds: Array(MAX_DELIVERED_BATCH + 1).fill(m1),
      }),
      'BATCH_TOO_LARGE',
    );
    // Exactly at the limit the batch is accepted for checking (and fails on its unknown ids instead).
    failsWith(
      await bob.raw('receipt:delivered', {
        conversationId: conv,
        messageIds: ids.slice(0, MAX_DELIVERED_BATCH),
      }),
      'NOT_YET_REGISTERED',
      true,
    );
  });

  it('answers a frame with a missing or an extra argument with VALIDATION_FAILED (the callback is the last argument)', async () => {
    const socket = bob.client.socket.timeout(2000) as unknown as {
      emitWithAck: (event: string, ...args: unknown[]) => Promise<unknown>;
    };
    const ack = { conversationId: conv, upToSequence: 1 };
    failsWith(await socket.emitWithAck('receipt:read'), 'VALIDATION_FAILED');
    failsWith(await socket.emitWithAck('receipt:delivered'), 'VALIDATION_FAILED');
    failsWith(await socket.emitWithAck('receipt:read', ack, 'extra'), 'VALIDATION_FAILED');
    failsWith(await socket.emitWithAck('receipt:read', ack, ack), 'VALIDATION_FAILED');
    failsWith(
      await socket.emitWithAck('receipt:delivered', { conversationId: conv, messageIds: [m1] }, 1),
      'VALIDATION_FAILED',
    );
  });

  it('answers an unknown event that has a callback with NOT_FOUND, and applies nothing', async () => {
    const socket = bob.client.socket.timeout(2000) as unknown as {
      emitWithAck: (event: string, ...args: unknown[]) => Promise<unknown>;
    };
    const ack = { conversationId: conv, upToSequence: 1 };
    for (const event of ['receipt:readd', 'receipts', 'RECEIPT:READ', '__proto__', 'error']) {
      failsWith(await socket.emitWithAck(event, ack), 'NOT_FOUND');
    }
    failsWith(await socket.emitWithAck('receipt:unknown'), 'NOT_FOUND');
  });

  it('never applies an ACK it cannot answer (no callback, or a callback that is not last)', async () => {
    const raw = bob.client.socket as unknown as {
      emit: (event: string, ...args: unknown[]) => void;
    };
    raw.emit('receipt:read', { conversationId: conv, upToSequence: 1 });
    raw.emit('receipt:read', { conversationId: conv, upToSequence: 1 }, () => undefined, 'last');
    raw.emit('receipt:delivered', { conversationId: conv, messageIds: [m1] });
    // ACKs of one socket are handled in order: had either read been applied, this one would be a duplicate.
    expect(await bob.client.markRead(conv, 1)).toEqual({ ok: true, applied: 1, duplicates: 0 });
    expect(await bob.client.markDelivered(conv, [m2])).toEqual({
      ok: true,
      applied: 1,
      duplicates: 0,
    });
    await eventually('the read projected', async () => {
      expect((await unreadIn(url, 'bob', conv)).body).toMatchObject({ readUpTo: 1 });
      expect(receiptOf((await detail(url, conv, m2, alice)).body, 'bob')?.status).toBe('delivered');
    });
    baseline = await snapshot(); // the two answered ACKs above are legitimate
  });

  it('keeps the connection usable after bad input (a valid ACK afterwards works, then is undone from the baseline)', async () => {
    expect(bob.client.socket.connected).toBe(true);
    failsWith(await bob.raw('receipt:read', { nonsense: true }), 'VALIDATION_FAILED');
    expect(bob.client.socket.connected).toBe(true);
    const carol = await connectDevice(url, 'carol', 'phone');
    try {
      // Carol's ACK does not touch bob's cursor or the appended count baseline after re-snapshot.
      expect(await carol.client.markDelivered(conv, [m1])).toEqual({
        ok: true,
        applied: 1,
        duplicates: 0,
      });
      await eventually('carol delivered projected', async () => {
        const m1Detail = (await detail(url, conv, m1, alice)).body;
        expect(m1Detail.summary.deliveredCount).toBe(2); // bob read it above
      });
      baseline = await snapshot();
    } finally {
      carol.close();
    }
  });
});

describe('socket connections', () => {
  it('refuses the default namespace, with or without an identity: devices connect to /receipts', async () => {
    for (const auth of [undefined, { userId: 'bob', deviceId: 'phone' }]) {
      const socket = io(url, {
        auth,
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
      });
      try {
        const refusal = await new Promise<{ data?: unknown }>((resolve, reject) => {
          socket.once('connect', () => reject(new Error('connected to the default namespace')));
          socket.once('connect_error', resolve);
        });
        expect(refusal.data).toEqual({ code: 'NOT_FOUND', message: anyString, retryable: false });
      } finally {
        socket.close();
      }
    }
  });
});

describe('REST', () => {
  const valid = {
    messageId: 'msg-3',
    conversationId: conv,
    senderId: alice,
    sequence: 3,
    recipientIds: ['bob'],
    sentAt,
  };

  it('invalid JSON: 400 VALIDATION_FAILED', async () => {
    problem(await postRaw(url, '/messages', '{"messageId": "msg-3",'), 400, 'VALIDATION_FAILED');
    problem(await postRaw(url, '/messages', 'not json at all'), 400, 'VALIDATION_FAILED');
    problem(
      await put(url, '/users/bob/settings/read-receipts', undefined, asUser('bob'))
        .then(() =>
          fetch(`${url}/users/bob/settings/read-receipts`, {
            method: 'PUT',
            headers: { 'content-type': 'application/json', 'x-user-id': 'bob' },
            body: '{enabled',
          }),
        )
        .then(async (r) => ({
          status: r.status,
          contentType: r.headers.get('content-type') ?? '',
          body: await r.json(),
        })),
      400,
      'VALIDATION_FAILED',
    );
  });

  it.each<[string, Record<string, unknown>]>([
    ['no messageId', { messageId: undefined }],
    ['an invalid messageId', { messageId: 'msg 3' }],
    ['a too long messageId', { messageId: 'm'.repeat(65) }],
    ['an invalid conversationId', { conversationId: 'conv#1' }],
    ['sequence as a string', { sequence: '3' }],
    ['sequence 0', { sequence: 0 }],
    ['fractional sequence', { sequence: 3.5 }],
    ['recipientIds a string', { recipientIds: 'bob' }],
    ['no recipients', { recipientIds: [] }],
    ['an invalid recipient id', { recipientIds: ['bob', 'car ol'] }],
    ['sentAt not a date', { sentAt: 'yesterday' }],
    ['sentAt as a number', { sentAt: 1767261600000 }],
    ['an extra field', { status: 'read' }],
    ['senderId null', { senderId: null }],
  ])('register with %s: 400 VALIDATION_FAILED', async (_, change) => {
    problem(
      await postRaw(url, '/messages', JSON.stringify({ ...valid, ...change })),
      400,
      'VALIDATION_FAILED',
    );
  });

  it('a body that is not a JSON object: 400 VALIDATION_FAILED', async () => {
    problem(await postRaw(url, '/messages', '[]'), 400, 'VALIDATION_FAILED');
    problem(await postRaw(url, '/messages', 'null'), 400, 'VALIDATION_FAILED');
    problem(await postRaw(url, '/messages', '"msg-3"'), 400, 'VALIDATION_FAILED');
  });

  it('an oversized body: 413 BATCH_TOO_LARGE', async () => {
    const huge = JSON.stringify({
      ...valid,
      recipientIds: Array.from({ length: 80_000 }, (_, i) => `recipient-${i}`),
    });
    expect(huge.length).toBeGreaterThan(1024 * 1024);
    const answer = await postRaw(url, '/messages', huge);
    expect(answer.status).toBe(413);
    expect(answer.body).toMatchObject({ code: 'BATCH_TOO_LARGE' });
  });

  it('same id with other content: 409 MESSAGE_CONFLICT; another id at a taken sequence: 409 SEQUENCE_CONFLICT; exact repeat: 200 duplicate', async () => {
    const repeat = await register(url, m1Again);
    expect(repeat.status).toBe(200);
    expect(repeat.body).toEqual({ conversationId: conv, messageId: m1, status: 'duplicate' });
    problem(await register(url, { ...m1Again, recipientIds: ['bob'] }), 409, 'MESSAGE_CONFLICT');
    problem(await register(url, { ...m1Again, senderId: 'mallory' }), 409, 'MESSAGE_CONFLICT');
    problem(await register(url, { ...m1Again, sequence: 3 }), 409, 'MESSAGE_CONFLICT');
    problem(
      await register(url, { ...m1Again, messageId: 'msg-other', sequence: 2 }),
      409,
      'SEQUENCE_CONFLICT',
    );
  });

  it('a registration batch with one invalid message, too many messages, or from a user: registers nothing', async () => {
    const fresh = (i: number) => ({
      ...valid,
      messageId: `batch-${i}`,
      conversationId: 'conv-batch',
      sequence: i,
    });
    const invalid = { messages: [fresh(1), { ...fresh(2), sequence: 0 }] };
    problem(
      await postRaw(url, '/messages/batch', JSON.stringify(invalid)),
      400,
      'VALIDATION_FAILED',
    );
    problem(await postRaw(url, '/messages/batch', '{"messages":[]}'), 400, 'VALIDATION_FAILED');
    const tooMany = {
      messages: Array.from({ length: 501 }, (_, i) => ({ ...fresh(i + 1), recipientIds: ['bob'] })),
    };
    problem(await postRaw(url, '/messages/batch', JSON.stringify(tooMany)), 413, 'BATCH_TOO_LARGE');
    problem(
      await postRaw(
        url,
        '/messages/batch',
        JSON.stringify({ messages: [fresh(1)] }),
        asUser(alice),
      ),
      403,
      'FORBIDDEN',
    );
  });

  it('a registration batch with one message whose recipients repeat, or include the sender: 400, registers nothing', async () => {
    const fresh = (i: number) => ({
      ...valid,
      messageId: `checked-${i}`,
      conversationId: 'conv-checked',
      sequence: i,
    });
    for (const bad of [
      { ...fresh(2), recipientIds: ['bob', 'carol', 'bob'] },
      { ...fresh(2), recipientIds: ['bob', alice] },
    ]) {
      problem(
        await postRaw(url, '/messages/batch', JSON.stringify({ messages: [fresh(1), bad] })),
        400,
        'VALIDATION_FAILED',
      );
      problem(await postRaw(url, '/messages', JSON.stringify(bad)), 400, 'VALIDATION_FAILED');
    }
  });

  it('a registration batch answers each message: a conflict is rejected alone, a repeat is a duplicate', async () => {
    const answer = await postRaw(
      url,
      '/messages/batch',
      JSON.stringify({ messages: [m1Again, { ...m1Again, recipientIds: ['bob'] }] }),
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      results: [
        { conversationId: conv, messageId: m1, status: 'duplicate' },
        {
          conversationId: conv,
          messageId: m1,
          status: 'rejected',
          error: { code: 'MESSAGE_CONFLICT', message: anyString, retryable: false },
        },
      ],
    });
  });

  it('invalid ids in paths: 400; unknown message or conversation: 404 with its code', async () => {
    problem(
      await get(url, `/conversations/bad%20id/messages/${m1}/receipts`, asUser(alice)),
      400,
      'VALIDATION_FAILED',
    );
    problem(
      await get(url, `/conversations/${conv}/messages/${'x'.repeat(65)}/summary`, asUser(alice)),
      400,
      'VALIDATION_FAILED',
    );
    problem(await get(url, '/users/b%24b/unread', asUser('b$b')), 401, 'UNAUTHENTICATED');
    problem(
      await get(url, `/conversations/${conv}/messages/no-such/receipts`, asUser(alice)),
      404,
      'UNKNOWN_MESSAGE',
    );
    problem(
      await get(url, `/conversations/conv-nope/messages/${m1}/summary`, asUser(alice)),
      404,
      'UNKNOWN_MESSAGE',
    );
    problem(
      await get(url, '/users/bob/conversations/conv-nope/unread', asUser('bob')),
      404,
      'UNKNOWN_CONVERSATION',
    );
  });

  it.each<[string, Record<string, string>, number, string]>([
    [
      'charset latin1',
      { 'content-type': 'application/json; charset=latin1' },
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    [
      'an unknown charset',
      { 'content-type': 'application/json; charset=bogus' },
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    ['content-encoding br2', { 'content-encoding': 'br2' }, 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['content-encoding zstd', { 'content-encoding': 'zstd' }, 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['gzip that is not gzip', { 'content-encoding': 'gzip' }, 400, 'VALIDATION_FAILED'],
    ['deflate that is not deflate', { 'content-encoding': 'deflate' }, 400, 'VALIDATION_FAILED'],
  ])(
    'a body with %s: its 4xx code every time, never INTERNAL',
    async (_, headers, status, code) => {
      const body = JSON.stringify({ ...valid, messageId: 'msg-encoded' });
      for (let i = 0; i < 30; i++) {
        problem(
          await postRaw(url, '/messages', body, { ...CHAT_SERVER, ...headers }),
          status,
          code,
        );
      }
    },
  );

  it('an unknown route: 404 NOT_FOUND (not a message code)', async () => {
    problem(await get(url, '/no/such/route', asUser('bob')), 404, 'NOT_FOUND');
    problem(await postRaw(url, '/nowhere', '{}'), 404, 'NOT_FOUND');
  });

  it('settings with a wrong type: 400 VALIDATION_FAILED', async () => {
    problem(
      await put(url, '/users/bob/settings/read-receipts', { enabled: 'no' }, asUser('bob')),
      400,
      'VALIDATION_FAILED',
    );
    problem(
      await put(url, '/users/bob/settings/read-receipts', {}, asUser('bob')),
      400,
      'VALIDATION_FAILED',
    );
    problem(
      await put(
        url,
        '/users/bob/settings/read-receipts',
        { enabled: false, extra: 1 },
        asUser('bob'),
      ),
      400,
      'VALIDATION_FAILED',
    );
  });

  it('still serves health, metrics and docs', async () => {
    expect((await get(url, '/health/live')).body).toEqual({ status: 'ok' });
    const ready = await get(url, '/health/ready', OPERATOR);
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ok', eventStore: 'up', readStore: 'up' });
    expect(String((await get(url, '/metrics', OPERATOR)).body)).toContain(
      'receipts_events_appended_total',
    );
    expect((await get(url, '/docs')).status).toBe(200);
    expect((await get(url, '/messages', CHAT_SERVER)).status).toBe(404);
  });

  it('shows the readiness detail and metrics only to a service: others get the status alone', async () => {
    expect(await get(url, '/health/ready')).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect((await get(url, '/health/ready')).body).toEqual({ status: 'ok' });
    expect((await get(url, '/health/ready', asUser('bob'))).body).toEqual({ status: 'ok' });
    problem(await get(url, '/metrics'), 401, 'UNAUTHENTICATED');
    problem(await get(url, '/metrics', asUser('bob')), 403, 'FORBIDDEN');
  });

  it('sends security headers and, by default, no CORS grant to any origin', async () => {
    const response = await fetch(`${url}/users/bob/unread`, {
      headers: { ...asUser('bob'), origin: 'https://evil.example' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-powered-by')).toBeNull();
    expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
    const preflight = await fetch(`${url}/users/bob/unread`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('serves /docs whole under its content security policy: scripts from itself only, none inline', async () => {
    const page = await fetch(`${url}/docs/`);
    expect(page.status).toBe(200);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('upgrade-insecure-requests');
    const html = await page.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    const sources = [...html.matchAll(/<(?:script|link)[^>]+(?:src|href)="([^"]+)"/g)].map(
      (m) => m[1]!,
    );
    expect(sources.length).toBeGreaterThan(2);
    for (const source of sources) {
      expect(source).not.toMatch(/^(https?:)?\/\//);
      const asset = await fetch(new URL(source, `${url}/docs/`));
      expect({ source, status: asset.status }).toEqual({ source, status: 200 });
    }
    expect((await get(url, '/docs-json')).status).toBe(200);
  });

  it('socket: refuses a browser from a foreign origin by default; a client without an Origin connects', async () => {
    const tryOrigin = (origin?: string) => {
      const socket = io(`${url}/receipts`, {
        auth: { userId: 'zoe', deviceId: origin ? 'browser' : 'native' },
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
        extraHeaders: origin ? { origin } : {},
      });
      return new Promise<string>((resolve) => {
        socket.once('connect', () => resolve('connected'));
        socket.once('connect_error', (error) => resolve(`refused: ${error.message}`));
      }).finally(() => socket.close());
    };
    expect(await tryOrigin('https://evil.example')).toMatch(/^refused/);
    expect(await tryOrigin()).toBe('connected');
  });
});
