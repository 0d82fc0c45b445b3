import { mintToken } from '@receipts/identity';
import { DevelopmentIdentity } from './identity';
import { JwtIdentity } from './jwt-identity';

const now = new Date('2026-01-01T10:00:00Z');
const secret = 'a-development-secret-of-32-chars!';
const policy = {
  algorithm: 'HS256',
  issuer: 'iss',
  audience: 'aud',
  clockToleranceSeconds: 5,
} as const;
const mint = (deviceId?: string) =>
  mintToken(
    { kind: 'user', userId: 'bob', ...(deviceId ? { deviceId } : {}) },
    { secret, issuer: 'iss', audience: 'aud', ttlSeconds: 60, now },
  );
const identity = (fallback: DevelopmentIdentity | null = null) =>
  new JwtIdentity(new TextEncoder().encode(secret), policy, fallback, () => now);

const reasonOf = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => 'accepted',
    (error: { details?: { reason?: string } }) => error.details?.reason,
  );

describe('JwtIdentity', () => {
  it('gives a socket the lifetime of its token plus the clock tolerance', async () => {
    expect(await identity().fromHandshake({ token: await mint('phone') })).toEqual({
      device: { kind: 'user', userId: 'bob', deviceId: 'phone' },
      expiresAt: new Date(now.getTime() + 65_000),
    });
  });

  it('refuses a caller without a token when the development identity is off', async () => {
    expect(
      await reasonOf(Promise.resolve().then(() => identity().fromHttp({ 'x-user-id': 'bob' }))),
    ).toBe('missing_token');
  });

  describe('with the development identity as the fallback', () => {
    it('lets a caller without a token name itself', async () => {
      expect(await identity(new DevelopmentIdentity()).fromHttp({ 'x-user-id': 'carol' })).toEqual({
        kind: 'user',
        userId: 'carol',
        deviceId: null,
      });
    });

    it('still refuses a bad token, whatever headers come with it', async () => {
      const headers = { authorization: 'Bearer not-a-jwt', 'x-user-id': 'carol' };
      expect(await reasonOf(identity(new DevelopmentIdentity()).fromHttp(headers))).toBe(
        'malformed',
      );
    });

    it('takes the token over the headers when both come', async () => {
      const headers = { authorization: `Bearer ${await mint()}`, 'x-service-name': 'chat' };
      expect(await identity(new DevelopmentIdentity()).fromHttp(headers)).toMatchObject({
        userId: 'bob',
      });
    });
  });
});
