/**
 * Abuse limits and edge settings on REST, against the running service over real HTTP: requests
 * per caller (user, service, client address), requests in progress per caller, body bytes,
 * security headers, CORS, and /docs under the content security policy.
 */
import { request } from 'node:http';
import { type RunningApp, DEV_IDENTITY, startApp } from './support/app';
import { anyNumber, anyString } from './support/matchers';
import { CHAT_SERVER, type HttpAnswer, asUser, eventsAppended, get, postRaw } from './support/http';

jest.setTimeout(30_000);

const ALLOWED_ORIGIN = 'https://app.example.com';
const LIMITS = {
  RECEIPTS_LIMIT_WINDOW_S: '30',
  RECEIPTS_LIMIT_REST_USER_PER_S: '1', // 30 per user and window
  RECEIPTS_LIMIT_REST_SERVICE_PER_S: '2', // 60 per service
  RECEIPTS_LIMIT_REST_ANONYMOUS_PER_S: '1', // 30 per address
  RECEIPTS_LIMIT_REST_CONCURRENT: '2',
  RECEIPTS_MAX_BODY_BYTES: '4096',
  RECEIPTS_CORS_ORIGINS: ALLOWED_ORIGIN,
  RECEIPTS_TRUST_PROXY_HOPS: '1',
};

let running: RunningApp;
let url: string;

beforeAll(async () => {
  running = await startApp({ ...DEV_IDENTITY, ...LIMITS });
  url = running.url;
});

afterAll(async () => {
  await running?.close();
});

const tooMany = (answer: HttpAnswer, scope: string): void => {
  expect(answer.status).toBe(429);
  expect(answer.contentType).toContain('application/problem+json');
  expect(answer.body).toEqual({
    type: 'urn:receipts:error:RATE_LIMITED',
    title: anyString,
    status: 429,
    code: 'RATE_LIMITED',
    message: anyString,
    retryable: true,
    details: expect.objectContaining({ scope, retryAfterMs: anyNumber }) as unknown,
  });
};

/** A request with its Retry-After header. */
const fetchWithRetryAfter = async (path: string, headers: Record<string, string>) => {
  const response = await fetch(`${url}${path}`, { headers });
  const body = await response.json();
  return {
    answer: {
      status: response.status,
      contentType: response.headers.get('content-type') ?? '',
      body,
    },
    retryAfter: response.headers.get('retry-after'),
  };
};

describe('requests per caller', () => {
  it('answers a user over budget 429 RATE_LIMITED with Retry-After; other users go on', async () => {
    for (let i = 0; i < 30; i++) {
      expect((await get(url, '/users/bob/unread', asUser('bob'))).status).toBe(200);
    }
    const { answer, retryAfter } = await fetchWithRetryAfter('/users/bob/unread', asUser('bob'));
    tooMany(answer, 'caller');
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(retryAfter)).toBeLessThanOrEqual(30);
    expect((await get(url, '/users/carol/unread', asUser('carol'))).status).toBe(200);
  });

  it('counts a service by its name; a refused registration writes nothing', async () => {
    const flooder = { 'x-service-name': 'flooder' };
    const body = (i: number) =>
      JSON.stringify({
        messageId: `m${i}`,
        conversationId: 'c-flood',
        senderId: 'alice',
        sequence: i,
        recipientIds: ['bob'],
        sentAt: '2026-01-01T10:00:00Z',
      });
    for (let i = 1; i <= 60; i++) {
      expect((await postRaw(url, '/messages', body(i), flooder)).status).toBe(201);
    }
    const before = await eventsAppended(url);
    tooMany(await postRaw(url, '/messages', body(61), flooder), 'caller');
    expect(await eventsAppended(url)).toBe(before);
    expect((await postRaw(url, '/messages', body(61), CHAT_SERVER)).status).toBe(201);
  });

  it('counts callers without an accepted credential by their address', async () => {
    for (let i = 0; i < 30; i++) expect((await get(url, '/health/live')).status).toBe(200);
    tooMany(await get(url, '/health/live'), 'caller');
    // A bad credential is no way around it: it is counted against the address as well.
    tooMany(await get(url, '/users/bob/unread', { 'x-user-id': 'not an id' }), 'caller');
    // Behind the one trusted proxy, the address it reports is the caller's.
    const via = (address: string) => ({ 'x-forwarded-for': address });
    for (let i = 0; i < 30; i++) {
      expect((await get(url, '/health/live', via('203.0.113.7'))).status).toBe(200);
    }
    tooMany(await get(url, '/health/live', via('203.0.113.7')), 'caller');
    expect((await get(url, '/health/live', via('198.51.100.9'))).status).toBe(200);
  });

  it('counts refusals by code in the metrics', async () => {
    const text = String((await get(url, '/metrics', { 'x-service-name': 'monitoring' })).body);
    const refused = /receipts_errors_answered_total\{code="RATE_LIMITED"\} (\d+)/.exec(text);
    expect(Number(refused?.[1])).toBeGreaterThanOrEqual(3);
  });
});

describe('requests in progress per caller', () => {
  /** A PUT whose body never ends: it holds its place until it is destroyed. */
  const hanging = (userId: string) => {
    const pending = request(`${url}/users/${userId}/settings/read-receipts`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', 'content-length': '100', 'x-user-id': userId },
    });
    pending.on('error', () => undefined);
    pending.write('{"enabled":');
    return pending;
  };

  it('refuses one more than RECEIPTS_LIMIT_REST_CONCURRENT with 429, and frees the place when one ends', async () => {
    const first = hanging('slow');
    const second = hanging('slow');
    try {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const refused = await get(url, '/users/slow/unread', asUser('slow'));
      tooMany(refused, 'concurrent');
      expect(refused.body).toMatchObject({ details: { limit: 2 } });
      expect((await get(url, '/users/quick/unread', asUser('quick'))).status).toBe(200);
    } finally {
      first.destroy();
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await get(url, '/users/slow/unread', asUser('slow'))).status).toBe(200);
    second.destroy();
  });
});

describe('body size', () => {
  it('refuses a body over RECEIPTS_MAX_BODY_BYTES: 413 BATCH_TOO_LARGE, nothing written', async () => {
    const before = await eventsAppended(url);
    const body = JSON.stringify({
      messageId: 'big',
      conversationId: 'c-big',
      senderId: 'alice',
      sequence: 1,
      recipientIds: Array.from({ length: 400 }, (_, i) => `recipient-${i}`),
      sentAt: '2026-01-01T10:00:00Z',
    });
    expect(body.length).toBeGreaterThan(4096);
    const answer = await postRaw(url, '/messages', body);
    expect(answer.status).toBe(413);
    expect(answer.body).toMatchObject({ code: 'BATCH_TOO_LARGE', details: { limitBytes: 4096 } });
    expect(await eventsAppended(url)).toBe(before);
  });
});

describe('headers', () => {
  it('answers CORS for a configured origin only', async () => {
    const preflight = (origin: string) =>
      fetch(`${url}/users/bob/unread`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'GET',
          'access-control-request-headers': 'authorization',
        },
      });
    const allowed = await preflight(ALLOWED_ORIGIN);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ALLOWED_ORIGIN);
    const foreign = await preflight('https://evil.example');
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  });
});
