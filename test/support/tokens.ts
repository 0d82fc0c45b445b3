import { SignJWT, base64url } from 'jose';

/** What the e2e apps that authenticate with tokens are configured with. */
export const ISSUER = 'https://id.receipts.test';
export const AUDIENCE = 'receipts';
const SECRET = 'e2e-secret-that-is-long-enough-for-hs256';
const secretKey = new TextEncoder().encode(SECRET);

/** Tokens only: no development identity, no clock tolerance (expiry tests stay short). */
export const JWT_ENV = {
  RECEIPTS_DEV_IDENTITY: 'off',
  RECEIPTS_JWT_SECRET: SECRET,
  RECEIPTS_JWT_ISSUER: ISSUER,
  RECEIPTS_JWT_AUDIENCE: AUDIENCE,
  RECEIPTS_JWT_CLOCK_TOLERANCE_S: '0',
};

export type Claims = Record<string, unknown>;
type SigningKey = Parameters<SignJWT['sign']>[0];

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** Claims of a valid token for `sub`, valid for five minutes; `change` overrides any of them. */
export const claims = (sub: string, change: Claims = {}): Claims => ({
  sub,
  iss: ISSUER,
  aud: AUDIENCE,
  iat: nowSeconds(),
  exp: nowSeconds() + 300,
  ...change,
});

export const sign = (
  payload: Claims,
  { key = secretKey, alg = 'HS256', kid }: { key?: SigningKey; alg?: string; kid?: string } = {},
): Promise<string> =>
  new SignJWT(payload).setProtectedHeader({ alg, typ: 'JWT', ...(kid ? { kid } : {}) }).sign(key);

export const userToken = (userId: string, deviceId?: string, change: Claims = {}) =>
  sign(claims(userId, { ...(deviceId ? { did: deviceId } : {}), ...change }));

export const serviceToken = (name: string, change: Claims = {}) =>
  sign(claims(name, { scope: 'receipts:service', ...change }));

/** An unsecured JWT (`alg: none`, empty signature) that claims to be `sub`. */
export const unsecuredToken = (payload: Claims): string => {
  const part = (value: object) => base64url.encode(JSON.stringify(value));
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(payload)}.`;
};

export const bearer = (token: string): Record<string, string> => ({
  authorization: `Bearer ${token}`,
});

/** The refusals a token can meet, by name: each is one rule the service must hold. */
export const badTokens = async (
  userId: string,
  deviceId?: string,
): Promise<Array<[string, string, string]>> => {
  const device = deviceId ? { did: deviceId } : {};
  const other = new TextEncoder().encode('another-secret-that-is-long-enough-too');
  return [
    ['malformed', 'not-a-jwt', 'malformed'],
    [
      'expired',
      await sign(claims(userId, { ...device, iat: nowSeconds() - 600, exp: nowSeconds() - 60 })),
      'expired',
    ],
    [
      'not yet valid',
      await sign(claims(userId, { ...device, nbf: nowSeconds() + 60 })),
      'not_yet_valid',
    ],
    ['wrongly signed', await sign(claims(userId, device), { key: other }), 'bad_signature'],
    [
      'from another issuer',
      await sign(claims(userId, { ...device, iss: 'https://evil.test' })),
      'wrong_issuer',
    ],
    [
      'for another audience',
      await sign(claims(userId, { ...device, aud: 'billing' })),
      'wrong_audience',
    ],
    ['unsecured (alg: none)', unsecuredToken(claims(userId, device)), 'algorithm_not_allowed'],
    ['HS512', await sign(claims(userId, device), { alg: 'HS512' }), 'algorithm_not_allowed'],
    [
      'without an expiry',
      await sign(claims(userId, { ...device, exp: undefined })),
      'missing_claim',
    ],
  ];
};
