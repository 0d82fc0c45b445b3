import { type CryptoKey, type JWTVerifyGetKey, jwtVerify } from 'jose';
import type { Principal } from '@receipts/application';
import { principalOf } from './token-claims';
import { tokenRefused } from './token-refusal';

export const TOKEN_ALGORITHMS = ['HS256', 'RS256', 'ES256'] as const;
export type TokenAlgorithm = (typeof TOKEN_ALGORITHMS)[number];

/** A shared secret (HS256), an imported public key, or a key set that picks a key by `kid`. */
export type VerificationKey = Uint8Array | CryptoKey | JWTVerifyGetKey;

export type TokenPolicy = Readonly<{
  algorithm: TokenAlgorithm;
  issuer: string;
  audience: string;
  clockToleranceSeconds: number;
}>;

export type VerifiedToken = Readonly<{ principal: Principal; expiresAt: Date }>;

/**
 * Verifies a compact JWS token against one key, one pinned algorithm, the issuer and audience,
 * at `now`. Every token must carry `sub` and `exp`: a token that never expires is refused.
 */
export const verifyToken = async (
  token: string,
  key: VerificationKey,
  policy: TokenPolicy,
  now: Date,
): Promise<VerifiedToken> => {
  const options = {
    algorithms: [policy.algorithm],
    issuer: policy.issuer,
    audience: policy.audience,
    clockTolerance: policy.clockToleranceSeconds,
    currentDate: now,
    requiredClaims: ['sub', 'exp'],
  };
  const verified = await (
    typeof key === 'function' ? jwtVerify(token, key, options) : jwtVerify(token, key, options)
  ).catch((error: unknown) => {
    throw refusal(error);
  });
  const { payload } = verified;
  return { principal: principalOf(payload), expiresAt: new Date((payload.exp ?? 0) * 1000) };
};

/** jose's failures as typed refusals; anything that is not jose's is a fault of ours. */
const refusal = (error: unknown): unknown => {
  const { code, claim, reason } = (error ?? {}) as {
    code?: unknown;
    claim?: unknown;
    reason?: unknown;
  };
  if (typeof code !== 'string' || !code.startsWith('ERR_J')) return error;
  if (code === 'ERR_JWT_EXPIRED') return tokenRefused('expired');
  if (code === 'ERR_JOSE_ALG_NOT_ALLOWED') return tokenRefused('algorithm_not_allowed');
  if (code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED') return tokenRefused('bad_signature');
  if (code === 'ERR_JWKS_NO_MATCHING_KEY') return tokenRefused('unknown_key');
  if (code !== 'ERR_JWT_CLAIM_VALIDATION_FAILED') return tokenRefused('malformed');
  if (reason === 'missing') return tokenRefused('missing_claim', { claim });
  if (claim === 'iss') return tokenRefused('wrong_issuer');
  if (claim === 'aud') return tokenRefused('wrong_audience');
  if (claim === 'nbf' || claim === 'iat') return tokenRefused('not_yet_valid');
  return tokenRefused('bad_claim', { claim });
};
