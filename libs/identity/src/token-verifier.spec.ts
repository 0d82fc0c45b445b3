import {
  SignJWT,
  base64url,
  createLocalJWKSet,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  importSPKI,
} from 'jose';
import { mintToken } from './token-minter';
import { type TokenPolicy, type VerificationKey, verifyToken } from './token-verifier';

const now = new Date('2026-01-01T10:00:00Z');
const at = (offsetSeconds: number): number => Math.floor(now.getTime() / 1000) + offsetSeconds;
const secret = 'a-development-secret-of-32-chars!';
const hmacKey = new TextEncoder().encode(secret);
const policy: TokenPolicy = {
  algorithm: 'HS256',
  issuer: 'https://id.example',
  audience: 'receipts',
  clockToleranceSeconds: 5,
};

type Claims = Record<string, unknown>;
const userClaims: Claims = {
  sub: 'bob',
  did: 'phone',
  iss: policy.issuer,
  aud: policy.audience,
  iat: at(0),
  exp: at(60),
};

const signed = (
  claims: Claims,
  key: Parameters<SignJWT['sign']>[0] = hmacKey,
  alg = 'HS256',
  kid?: string,
) => new SignJWT(claims).setProtectedHeader({ alg, ...(kid ? { kid } : {}) }).sign(key);

const reasonOf = async (
  token: string,
  key: VerificationKey = hmacKey,
  p = policy,
): Promise<unknown> =>
  verifyToken(token, key, p, now).then(
    () => 'accepted',
    (error: { code?: string; details?: { reason?: string } }) =>
      `${error.code}: ${error.details?.reason}`,
  );

describe('verifyToken', () => {
  describe('with an HS256 secret', () => {
    it('accepts a user token and names the user, the device and the expiry', async () => {
      const verified = await verifyToken(await signed(userClaims), hmacKey, policy, now);
      expect(verified).toEqual({
        principal: { kind: 'user', userId: 'bob', deviceId: 'phone' },
        expiresAt: new Date(at(60) * 1000),
      });
    });

    it('accepts a user token without a device claim as a user on no device', async () => {
      const { did: _, ...claims } = userClaims;
      const verified = await verifyToken(await signed(claims), hmacKey, policy, now);
      expect(verified.principal).toEqual({ kind: 'user', userId: 'bob', deviceId: null });
    });

    it('takes a token with the service scope as the service named by sub', async () => {
      const claims = { ...userClaims, sub: 'chat-server', scope: 'profile receipts:service' };
      const verified = await verifyToken(await signed(claims), hmacKey, policy, now);
      expect(verified.principal).toEqual({ kind: 'service', name: 'chat-server' });
    });

    it('takes a scope that merely contains the service scope as a user token', async () => {
      const claims = { ...userClaims, scope: 'receipts:service-reader' };
      const verified = await verifyToken(await signed(claims), hmacKey, policy, now);
      expect(verified.principal.kind).toBe('user');
    });

    it('verifies what mintToken signs, for users and services', async () => {
      const options = {
        secret,
        issuer: policy.issuer,
        audience: policy.audience,
        ttlSeconds: 60,
        now,
      };
      const user = await mintToken({ kind: 'user', userId: 'bob', deviceId: 'phone' }, options);
      const service = await mintToken({ kind: 'service', name: 'chat-server' }, options);
      expect((await verifyToken(user, hmacKey, policy, now)).principal).toEqual({
        kind: 'user',
        userId: 'bob',
        deviceId: 'phone',
      });
      expect((await verifyToken(service, hmacKey, policy, now)).principal).toEqual({
        kind: 'service',
        name: 'chat-server',
      });
    });

    it.each([
      ['expired beyond the clock tolerance', { exp: at(-6) }, 'expired'],
      ['not valid yet beyond the tolerance', { nbf: at(6) }, 'not_yet_valid'],
      ['from another issuer', { iss: 'https://evil.example' }, 'wrong_issuer'],
      ['for another audience', { aud: 'billing' }, 'wrong_audience'],
      ['without an expiry', { exp: undefined }, 'missing_claim'],
      ['without a subject', { sub: undefined }, 'missing_claim'],
      ['with a subject that is not an id', { sub: 'b o b' }, 'bad_claim'],
      ['with a device that is not an id', { did: 42 }, 'bad_claim'],
    ])('refuses a token %s', async (_, change, reason) => {
      expect(await reasonOf(await signed({ ...userClaims, ...change }))).toBe(
        `UNAUTHENTICATED: ${reason}`,
      );
    });

    it('accepts a token within the clock tolerance of its expiry and start', async () => {
      expect(await reasonOf(await signed({ ...userClaims, exp: at(-4), nbf: at(4) }))).toBe(
        'accepted',
      );
    });

    it('refuses a token signed with another secret', async () => {
      const other = new TextEncoder().encode('another-secret-of-at-least-32-chars');
      expect(await reasonOf(await signed(userClaims, other))).toBe(
        'UNAUTHENTICATED: bad_signature',
      );
    });

    it('refuses an unsecured token (alg: none)', async () => {
      const part = (value: object) => base64url.encode(JSON.stringify(value));
      const token = `${part({ alg: 'none', typ: 'JWT' })}.${part(userClaims)}.`;
      expect(await reasonOf(token)).toMatch(/^UNAUTHENTICATED: (algorithm_not_allowed|malformed)$/);
    });

    it('refuses a token signed with another algorithm of the same secret (HS512)', async () => {
      expect(await reasonOf(await signed(userClaims, hmacKey, 'HS512'))).toBe(
        'UNAUTHENTICATED: algorithm_not_allowed',
      );
    });

    it.each(['', 'abc', 'a.b.c', 'Bearer x.y.z', `${'x'.repeat(20)}..`])(
      'refuses the malformed token %j',
      async (token) => {
        expect(await reasonOf(token)).toBe('UNAUTHENTICATED: malformed');
      },
    );
  });

  describe('with a public key', () => {
    it('accepts an ES256 token signed with the private key', async () => {
      const pair = await generateKeyPair('ES256');
      const token = await signed(userClaims, pair.privateKey, 'ES256');
      expect(await reasonOf(token, pair.publicKey, { ...policy, algorithm: 'ES256' })).toBe(
        'accepted',
      );
    });

    it('refuses an HS256 token whose secret is the public key (algorithm confusion)', async () => {
      const pair = await generateKeyPair('RS256', { extractable: true });
      const pem = await exportSPKI(pair.publicKey);
      const key = await importSPKI(pem, 'RS256');
      const forged = await signed(userClaims, new TextEncoder().encode(pem), 'HS256');
      expect(await reasonOf(forged, key, { ...policy, algorithm: 'RS256' })).toBe(
        'UNAUTHENTICATED: algorithm_not_allowed',
      );
    });

    it('picks the key of a key set by kid, and refuses an unknown kid', async () => {
      const pair = await generateKeyPair('RS256', { extractable: true });
      const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256' };
      const keySet = createLocalJWKSet({ keys: [jwk] });
      const rs256 = { ...policy, algorithm: 'RS256' as const };
      expect(
        await reasonOf(await signed(userClaims, pair.privateKey, 'RS256', 'k1'), keySet, rs256),
      ).toBe('accepted');
      expect(
        await reasonOf(await signed(userClaims, pair.privateKey, 'RS256', 'k2'), keySet, rs256),
      ).toBe('UNAUTHENTICATED: unknown_key');
    });
  });
});
