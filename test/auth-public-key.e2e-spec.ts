/**
 * Tokens verified with a public key: ES256 with a PEM key, RS256 with a key set file. The key
 * pairs are generated here; the service only ever sees the public halves.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type CryptoKey, exportJWK, exportSPKI, generateKeyPair } from 'jose';
import { type RunningApp, startApp } from './support/app';
import { get, register } from './support/http';
import { AUDIENCE, ISSUER, bearer, claims, sign } from './support/tokens';

jest.setTimeout(20_000);

const message = { conversationId: 'c1', senderId: 'alice', recipientIds: ['bob'] };
const refusalReason = async (
  answer: Promise<{ status: number; body: unknown }>,
): Promise<unknown> => {
  const { status, body } = await answer;
  return status === 401 ? (body as { details?: { reason?: string } }).details?.reason : status;
};

describe('ES256 with a PEM public key', () => {
  let running: RunningApp;
  let privateKey: CryptoKey;
  let pem: string;

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    privateKey = pair.privateKey;
    pem = await exportSPKI(pair.publicKey);
    running = await startApp({
      RECEIPTS_JWT_ALGORITHM: 'ES256',
      RECEIPTS_JWT_PUBLIC_KEY: pem,
      RECEIPTS_JWT_ISSUER: ISSUER,
      RECEIPTS_JWT_AUDIENCE: AUDIENCE,
    });
  });

  afterAll(async () => {
    await running?.close();
  });

  it('accepts service and user tokens signed with the private key', async () => {
    const service = await sign(claims('chat-server', { scope: 'receipts:service' }), {
      key: privateKey,
      alg: 'ES256',
    });
    const answer = await register(
      running.url,
      { ...message, messageId: 'm1', sequence: 1 },
      bearer(service),
    );
    expect(answer.status).toBe(201);
    const bob = await sign(claims('bob', { did: 'phone' }), { key: privateKey, alg: 'ES256' });
    expect((await get(running.url, '/users/bob/unread', bearer(bob))).status).toBe(200);
  });

  it('refuses a token signed with another key, and an HS256 token keyed with the public key', async () => {
    const other = await generateKeyPair('ES256');
    const foreign = await sign(claims('bob'), { key: other.privateKey, alg: 'ES256' });
    expect(await refusalReason(get(running.url, '/users/bob/unread', bearer(foreign)))).toBe(
      'bad_signature',
    );
    const confused = await sign(claims('bob'), {
      key: new TextEncoder().encode(pem),
      alg: 'HS256',
    });
    expect(await refusalReason(get(running.url, '/users/bob/unread', bearer(confused)))).toBe(
      'algorithm_not_allowed',
    );
  });
});

describe('RS256 with a key set file', () => {
  let running: RunningApp;
  let privateKey: CryptoKey;
  let dir: string;

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256', { extractable: true });
    privateKey = pair.privateKey;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'receipts-jwks-'));
    const file = path.join(dir, 'jwks.json');
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'key-1', alg: 'RS256', use: 'sig' };
    fs.writeFileSync(file, JSON.stringify({ keys: [jwk] }));
    running = await startApp({
      RECEIPTS_JWT_ALGORITHM: 'RS256',
      RECEIPTS_JWT_JWKS_FILE: file,
      RECEIPTS_JWT_ISSUER: ISSUER,
      RECEIPTS_JWT_AUDIENCE: AUDIENCE,
    });
  });

  afterAll(async () => {
    await running?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const rs256 = (payload: Record<string, unknown>, kid: string) =>
    sign(payload, { key: privateKey, alg: 'RS256', kid });

  it('accepts a token whose kid names a key of the set, and refuses an unknown kid', async () => {
    const good = await rs256(claims('bob'), 'key-1');
    expect((await get(running.url, '/users/bob/unread', bearer(good))).status).toBe(200);
    const unknown = await rs256(claims('bob'), 'key-2');
    expect(await refusalReason(get(running.url, '/users/bob/unread', bearer(unknown)))).toBe(
      'unknown_key',
    );
  });
});
