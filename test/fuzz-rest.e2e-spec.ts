/**
 * Property test of the REST edge: random methods, paths and ids, identity headers, content types,
 * charsets and content encodings (real and corrupt compressed streams), JSON and non-JSON bodies,
 * bodies over the 1 MB limit. Whatever comes in: never a 5xx, every error is
 * application/problem+json with a known code (never INTERNAL) and a bounded size, and nothing is
 * written unless the request was a genuinely valid write. Seed and bounds: test/support/fuzz.ts.
 */
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import * as fc from 'fast-check';
import {
  readReceiptsSettingSchema,
  registerMessageSchema,
  registerMessagesSchema,
} from '@receipts/contracts';
import { ReceiptError, type ReceiptErrorCode } from '@receipts/domain';
import { httpStatusOf } from '../apps/api/src/error-payload';
import { DEV_IDENTITY, type RunningApp, startApp } from './support/app';
import {
  CHAT_SERVER,
  asUser,
  detail,
  eventsAppended,
  get,
  registerOk,
  unreadIn,
} from './support/http';
import {
  KNOWN_CODES,
  POLLUTING,
  fuzzParameters,
  prototypeClean,
  retryableOf,
  WITHOUT_RATE_LIMITS,
} from './support/fuzz';
import { eventually } from './support/wait';

jest.setTimeout(40_000);

const conv = 'fz';
const registered = {
  messageId: 'fz-1',
  conversationId: conv,
  senderId: 'alice',
  sequence: 1,
  recipientIds: ['bob', 'carol'],
  sentAt: '2026-01-01T10:00:00.000Z',
};
let running: RunningApp;
let url: string;

const snapshot = async () => ({
  appended: await eventsAppended(url),
  cursor: (await unreadIn(url, 'bob', conv)).body,
  detail: (await detail(url, conv, 'fz-1', 'alice')).body,
});

beforeAll(async () => {
  running = await startApp({ ...DEV_IDENTITY, ...WITHOUT_RATE_LIMITS });
  url = running.url;
  await registerOk(url, registered);
  await eventually('registration projected', async () => {
    expect((await unreadIn(url, 'bob', conv)).body).toMatchObject({ unread: 1 });
  });
});

afterAll(async () => {
  await running?.close();
});

type Request = {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  path: string;
  headers: Record<string, string>;
  /** The JSON value the body was made from, when it was made from one. */
  json?: unknown;
  body?: Buffer;
};

const printable = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  maxLength: 40,
});
const id = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(conv, 'fz-1', 'fz-9', 'bob', 'alice', 'carol') },
  { weight: 2, arbitrary: fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }).map(encodeURIComponent) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'x'.repeat(65),
      'x'.repeat(5000),
      '%',
      '%zz',
      '%00',
      '%E0%A4%A',
      '..',
      '%2e%2e',
      '%2F',
      ';',
      '',
    ),
  },
);
const path = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.tuple(id, id).map(([c, m]) => `/conversations/${c}/messages/${m}/receipts`),
  },
  {
    weight: 3,
    arbitrary: fc.tuple(id, id).map(([c, m]) => `/conversations/${c}/messages/${m}/summary`),
  },
  { weight: 2, arbitrary: id.map((u) => `/users/${u}/unread`) },
  {
    weight: 2,
    arbitrary: fc.tuple(id, id).map(([u, c]) => `/users/${u}/conversations/${c}/unread`),
  },
  { weight: 3, arbitrary: id.map((u) => `/users/${u}/settings/read-receipts`) },
  {
    weight: 4,
    arbitrary: fc.constantFrom('/messages', '/messages/batch', '/messages/', '/MESSAGES'),
  },
  { weight: 1, arbitrary: fc.array(id, { maxLength: 5 }).map((s) => `/${s.join('/')}`) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom('/messages', '/users/bob/unread'), printable)
      .map(([p, q]) => `${p}?${encodeURIComponent(q)}=%`),
  },
);
const identity = fc.oneof(
  fc.constantFrom<Record<string, string>>(
    CHAT_SERVER,
    asUser('bob'),
    asUser('alice'),
    asUser('carol'),
    {},
  ),
  printable.map((v) => ({ 'x-user-id': v })),
  printable.map((v) => ({ 'x-service-name': v })),
  printable.map((v) => ({ authorization: `Bearer ${v}` })),
  printable.map((v) => ({ authorization: v })),
);
const contentType = fc.oneof(
  { weight: 4, arbitrary: fc.constant('application/json') },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      'application/json; charset=utf-8',
      'application/json; charset=UTF-8',
      'application/json; charset=latin1',
      'application/json; charset=utf-16',
      'application/json; charset=bogus',
      'application/problem+json',
      'application/merge-patch+json',
      'text/plain',
      'text/html; charset=utf-8',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/octet-stream',
      '*/*',
    ),
  },
  { weight: 1, arbitrary: printable },
);
const encoding = fc.oneof(
  { weight: 5, arbitrary: fc.constant(undefined) },
  { weight: 3, arbitrary: fc.constantFrom('gzip', 'deflate', 'br', 'identity') },
  { weight: 1, arbitrary: fc.constantFrom('zstd', 'gzip, gzip', 'compress', 'GZIP', 'br2') },
  { weight: 1, arbitrary: printable },
);

/** Valid registrations and settings with one field replaced by something else. */
const mutated = fc.oneof(
  fc
    .tuple(fc.constantFrom(...Object.keys(registered)), fc.jsonValue({ maxDepth: 2 }))
    .map(([k, v]) => ({ ...registered, [k]: v })),
  fc.jsonValue({ maxDepth: 2 }).map((v) => ({ ...registered, extra: v })),
  fc.jsonValue({ maxDepth: 2 }).map((v) => ({ messages: [registered, v] })),
  fc.jsonValue({ maxDepth: 2 }).map((v) => ({ enabled: v })),
  fc.constantFrom(
    { enabled: 'false' },
    { enabled: 0 },
    { enabled: null },
    { enabled: true, userId: 'bob' },
  ),
);
const jsonBody = fc.oneof(
  { weight: 3, arbitrary: mutated },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom(...POLLUTING) },
);
/** Over the 1 MB body limit: as JSON, and as a small gzip stream that inflates past it. */
const OVERSIZED = Buffer.from(
  JSON.stringify({
    ...registered,
    recipientIds: Array.from({ length: 90_000 }, (_, i) => `r-${i}`),
  }),
);
/** Under every limit, with an issue for each of its 4,000 recipients. */
const MANY_ISSUES = {
  ...registered,
  recipientIds: Array.from({ length: 4_000 }, (_, i) => `bad id ${i}`),
};
const BOMB = gzipSync(Buffer.alloc(4 * 1024 * 1024, 0x20));

type Body = { json?: unknown; text?: Buffer; compress: boolean };
const bytes = fc.oneof(
  fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
  printable.map((s) => Buffer.from(s)),
);
const body: fc.Arbitrary<Body> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ json: jsonBody, compress: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ text: bytes, compress: fc.boolean() }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom<Body>(
      { text: OVERSIZED, compress: false },
      { text: OVERSIZED, compress: true },
      { text: Buffer.from('{"messageId": "fz-2",'), compress: false },
      { text: Buffer.from('\ufeff{}'), compress: false },
      { text: Buffer.alloc(0), compress: false },
    ),
  },
);

const compress = (encodingName: string | undefined, raw: Buffer): Buffer => {
  switch (encodingName) {
    case 'gzip':
      return gzipSync(raw);
    case 'deflate':
      return deflateSync(raw);
    case 'br':
      return brotliCompressSync(raw);
    default:
      return raw;
  }
};

const request: fc.Arbitrary<Request> = fc
  .record({
    method: fc.constantFrom<Request['method']>(
      'GET',
      'GET',
      'POST',
      'POST',
      'PUT',
      'DELETE',
      'PATCH',
    ),
    path,
    identity,
    contentType,
    encoding,
    body,
    bomb: fc.boolean(),
  })
  .map(({ method, path, identity, contentType, encoding, body, bomb }): Request => {
    if (method === 'GET' || method === 'DELETE') return { method, path, headers: identity };
    const headers: Record<string, string> = { ...identity, 'content-type': contentType };
    if (encoding !== undefined) headers['content-encoding'] = encoding;
    if (bomb && encoding === 'gzip') return { method, path, headers, body: BOMB };
    const raw = body.text ?? Buffer.from(JSON.stringify(body.json) ?? 'null');
    const sent = body.compress ? compress(encoding, raw) : raw;
    return { method, path, headers, json: body.json, body: sent };
  });

type Answer = { status: number; contentType: string; text: string };
const send = async (r: Request): Promise<Answer> => {
  const response = await fetch(`${url}${r.path}`, {
    method: r.method,
    headers: r.headers,
    ...(r.body ? { body: r.body } : {}),
  });
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? '',
    text: await response.text(),
  };
};

/** A write that the service may carry out: valid for its route and its caller. */
const genuineWrite = (r: Request): boolean => {
  if (r.method === 'POST' && r.path === '/messages')
    return 'x-service-name' in r.headers && registerMessageSchema.safeParse(r.json).success;
  if (r.method === 'POST' && r.path === '/messages/batch')
    return 'x-service-name' in r.headers && registerMessagesSchema.safeParse(r.json).success;
  const settings = /^\/users\/([A-Za-z0-9_-]{1,64})\/settings\/read-receipts$/.exec(r.path);
  return (
    r.method === 'PUT' &&
    settings !== null &&
    r.headers['x-user-id'] === settings[1] &&
    readReceiptsSettingSchema.safeParse(r.json).success
  );
};

/** Longest error answer the service may give, whatever it was sent. */
const MAX_PROBLEM_LENGTH = 8192;

const checkAnswer = (r: Request, answer: Answer): void => {
  expect(answer.status).toBeLessThan(500);
  if (answer.status < 400) {
    if (r.method !== 'GET') expect(genuineWrite(r)).toBe(true);
    return;
  }
  expect(answer.contentType).toMatch(/^application\/problem\+json/);
  expect(answer.text.length).toBeLessThanOrEqual(MAX_PROBLEM_LENGTH);
  const problem = JSON.parse(answer.text) as Record<string, unknown>;
  const code = problem.code as ReceiptErrorCode;
  expect(KNOWN_CODES).toContain(code);
  expect(code).not.toBe('INTERNAL');
  expect(problem).toMatchObject({
    type: `urn:receipts:error:${code}`,
    status: answer.status,
    retryable: retryableOf(code),
  });
  expect(httpStatusOf(new ReceiptError(code, code))).toBe(answer.status);
  expect(typeof problem.message === 'string' && problem.message.length > 0).toBe(true);
  expect(answer.text).not.toMatch(/\n\s+at /); // no stack trace
};

describe('random REST requests', () => {
  it('never get a 5xx, answer every error as typed problem details, and write nothing that was not a valid write', async () => {
    const baseline = await snapshot();
    let writes = 0;
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const before = await eventsAppended(url);
        checkAnswer(r, await send(r));
        if (r.method !== 'GET' && genuineWrite(r)) writes += 1;
        else expect(await eventsAppended(url)).toBe(before);
        expect(prototypeClean()).toBe(true);
      }),
      fuzzParameters<[Request]>(300),
    );
    expect((await get(url, '/health/ready')).status).toBe(200);
    // A valid write (a duplicate registration, a setting) may move the read models; else nothing did.
    if (writes === 0) expect(await snapshot()).toEqual(baseline);
  });

  it('answer a body with an issue in each of 4,000 ids with a short problem that lists the first few', async () => {
    const answer = await send({
      method: 'POST',
      path: '/messages',
      headers: { ...CHAT_SERVER, 'content-type': 'application/json' },
      json: MANY_ISSUES,
      body: Buffer.from(JSON.stringify(MANY_ISSUES)),
    });
    checkAnswer({ method: 'POST', path: '/messages', headers: {} }, answer);
    expect(JSON.parse(answer.text)).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { moreIssues: expect.any(Number) as unknown },
    });
  });
});
