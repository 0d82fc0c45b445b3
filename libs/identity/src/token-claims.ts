import type { Principal } from '@receipts/application';
import { ID_PATTERN } from '@receipts/domain';
import { tokenRefused } from './token-refusal';

/** The claim that names a user's device; a token without it may use REST but opens no socket. */
export const DEVICE_CLAIM = 'did';

/** The scope (OAuth-style, space-separated `scope` claim) that makes a token a service's. */
export const SERVICE_SCOPE = 'receipts:service';

export type TokenClaims = Readonly<Record<string, unknown>>;

/**
 * Who a verified token speaks for: a service when its scope says so (`sub` is the service's
 * name), otherwise a user (`sub`) on an optional device (`did`).
 */
export const principalOf = (claims: TokenClaims): Principal => {
  const subject = idClaim(claims.sub, 'sub');
  if (scopesOf(claims.scope).includes(SERVICE_SCOPE)) return { kind: 'service', name: subject };
  const device = claims[DEVICE_CLAIM];
  return {
    kind: 'user',
    userId: subject,
    deviceId: device === undefined ? null : idClaim(device, DEVICE_CLAIM),
  };
};

const scopesOf = (scope: unknown): string[] =>
  typeof scope === 'string' ? scope.split(' ').filter((s) => s.length > 0) : [];

const idClaim = (value: unknown, name: string): string => {
  if (typeof value === 'string' && ID_PATTERN.test(value)) return value;
  throw tokenRefused('bad_claim', { claim: name });
};
