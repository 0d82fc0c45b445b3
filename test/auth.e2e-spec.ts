/**
 * Bearer tokens on REST, with the development identity off: each rule of docs/SECURITY.md tried
 * against the running service over real HTTP.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { type RunningApp, startApp } from './support/app';
import { ROOT } from './support/node-processes';
import {
  eventsAppended,
  get,
  register,
  type HttpAnswer,
  type MessageBody,
  type Problem,
} from './support/http';
import { JWT_ENV, badTokens, bearer, serviceToken, userToken } from './support/tokens';
import { eventually } from './support/wait';

const execFileAsync = promisify(execFile);

jest.setTimeout(20_000);

let running: RunningApp;
let url: string;
let chatServer: Record<string, string>;
const message: MessageBody = {
  messageId: 'm1',
  conversationId: 'c1',
  senderId: 'alice',
  sequence: 1,
  recipientIds: ['bob'],
};

beforeAll(async () => {
  running = await startApp(JWT_ENV);
  url = running.url;
  chatServer = bearer(await serviceToken('chat-server'));
  expect((await register(url, message, chatServer)).status).toBe(201);
  // The read models follow the log a moment later.
  await eventually('m1 is projected', async () => {
    const summary = await get(url, '/conversations/c1/messages/m1/summary', chatServer);
    expect(summary.status).toBe(200);
  });
});

afterAll(async () => {
  await running?.close();
});

const refused = (answer: HttpAnswer, code: string, status: number, reason?: string): void => {
  expect(answer.contentType).toMatch(/^application\/problem\+json/);
  const problem = answer.body as Problem;
  expect({ status: answer.status, code: problem.code, retryable: problem.retryable }).toEqual({
    status,
    code,
    retryable: false,
  });
  if (reason) expect(problem.details).toMatchObject({ reason });
};

describe('REST without a valid token', () => {
  it('refuses a request with no token, and the development headers are not trusted', async () => {
    refused(await get(url, '/users/bob/unread'), 'UNAUTHENTICATED', 401, 'missing_token');
    refused(await get(url, '/users/bob/unread', { 'x-user-id': 'bob' }), 'UNAUTHENTICATED', 401);
    const asService = { 'x-service-name': 'chat-server' };
    refused(
      await register(url, { ...message, messageId: 'm9' }, asService),
      'UNAUTHENTICATED',
      401,
    );
  });

  it.each(['Basic Ym9iOnNlY3JldA==', 'Bearer', 'Bearer a b', 'bob'])(
    'refuses the Authorization header %j',
    async (authorization) => {
      refused(
        await get(url, '/users/bob/unread', { authorization }),
        'UNAUTHENTICATED',
        401,
        'malformed',
      );
    },
  );

  it('refuses every kind of bad token, with the reason', async () => {
    for (const [name, token, reason] of await badTokens('bob', 'phone')) {
      const answer = await get(url, '/users/bob/unread', bearer(token));
      const { code, details } = answer.body as Problem & { details?: { reason?: string } };
      expect({ name, status: answer.status, code, reason: details?.reason }).toEqual({
        name,
        status: 401,
        code: 'UNAUTHENTICATED',
        reason,
      });
    }
  });
});

describe('REST with tokens', () => {
  it('lets a service token register messages and read anyone’s data', async () => {
    const next = { ...message, messageId: 'm2', sequence: 2 };
    expect((await register(url, next, chatServer)).status).toBe(201);
    expect((await get(url, '/users/bob/unread', chatServer)).body).toMatchObject({ userId: 'bob' });
    expect((await get(url, '/conversations/c1/messages/m1/receipts', chatServer)).status).toBe(200);
  });

  it('lets a user token, with or without a device, read its own data', async () => {
    for (const token of [await userToken('bob'), await userToken('bob', 'phone')]) {
      expect((await get(url, '/users/bob/unread', bearer(token))).status).toBe(200);
    }
    const alice = bearer(await userToken('alice'));
    expect((await get(url, '/conversations/c1/messages/m1/summary', alice)).status).toBe(200);
  });

  it('never lets a user token register messages (403 FORBIDDEN), nothing is written', async () => {
    const operator = bearer(await serviceToken('monitoring'));
    const before = await eventsAppended(url, operator);
    const alice = bearer(await userToken('alice', 'phone'));
    refused(
      await register(url, { ...message, messageId: 'm3', sequence: 3 }, alice),
      'FORBIDDEN',
      403,
    );
    const batch = await fetch(`${url}/messages/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...alice },
      body: JSON.stringify({
        messages: [{ ...message, messageId: 'm4', sequence: 4, sentAt: new Date().toISOString() }],
      }),
    });
    refused(
      {
        status: batch.status,
        contentType: batch.headers.get('content-type') ?? '',
        body: await batch.json(),
      },
      'FORBIDDEN',
      403,
    );
    expect(await eventsAppended(url, operator)).toBe(before);
  });

  it('never lets a user token read another user’s unread counts or receipt detail', async () => {
    const carol = bearer(await userToken('carol', 'phone'));
    refused(await get(url, '/users/bob/unread', carol), 'FORBIDDEN', 403);
    refused(await get(url, '/users/bob/conversations/c1/unread', carol), 'FORBIDDEN', 403);
    const bob = bearer(await userToken('bob', 'phone'));
    refused(await get(url, '/conversations/c1/messages/m1/receipts', bob), 'UNKNOWN_MESSAGE', 404);
    refused(await get(url, '/conversations/c1/messages/m1/summary', bob), 'UNKNOWN_MESSAGE', 404);
  });

  it('takes the user from the token, whatever development headers come with it', async () => {
    const carol = {
      ...bearer(await userToken('carol')),
      'x-user-id': 'bob',
      'x-service-name': 'chat',
    };
    refused(await get(url, '/users/bob/unread', carol), 'FORBIDDEN', 403);
  });
});

describe('tokens minted by the operator CLI', () => {
  // Asynchronous, never spawnSync: the service under test runs in this process and must keep
  // serving (a blocked event loop lets its idle keep-alive sockets race the next request).
  const mint = async (...args: string[]): Promise<string> => {
    const run = await execFileAsync(
      process.execPath,
      ['dist/apps/cli/src/main.js', 'token', ...args],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', ...JWT_ENV },
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(run.stderr).toBe('');
    return run.stdout.trim();
  };

  it('are accepted: a service token registers, a device token reads its own data', async () => {
    const service = bearer(await mint('--service', 'chat-server', '--ttl', '5m'));
    const next = { ...message, messageId: 'm5', sequence: 5 };
    expect((await register(url, next, service)).status).toBe(201);
    const bob = bearer(await mint('--user', 'bob', '--device', 'phone'));
    expect((await get(url, '/users/bob/unread', bob)).status).toBe(200);
    refused(await register(url, { ...next, messageId: 'm6', sequence: 6 }, bob), 'FORBIDDEN', 403);
  });
});
