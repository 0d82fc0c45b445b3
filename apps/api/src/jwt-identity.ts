import type { Principal } from '@receipts/application';
import {
  type TokenPolicy,
  type VerificationKey,
  type VerifiedToken,
  tokenRefused,
  verifyToken,
} from '@receipts/identity';
import { type DeviceSession, type Headers, type IdentityResolver, single } from './identity';

/**
 * Bearer tokens: `Authorization: Bearer <jwt>` on REST, `auth: { token }` in the Socket.IO
 * handshake. A caller that sends no token at all goes to `fallback` (the development identity,
 * when it is on) or is refused; a token that is sent is always verified, never skipped.
 */
export class JwtIdentity implements IdentityResolver {
  constructor(
    private readonly key: VerificationKey,
    private readonly policy: TokenPolicy,
    private readonly fallback: IdentityResolver | null = null,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async fromHttp(headers: Headers): Promise<Principal> {
    const authorization = single(headers.authorization);
    if (authorization === undefined) return this.withoutToken().fromHttp(headers);
    const bearer = /^Bearer +(\S+)$/i.exec(authorization.trim());
    if (!bearer?.[1])
      throw tokenRefused('malformed', { expected: 'Authorization: Bearer <token>' });
    return (await this.verify(bearer[1])).principal;
  }

  async fromHandshake(auth: unknown): Promise<DeviceSession> {
    const { token } = (auth ?? {}) as { token?: unknown };
    if (token === undefined) return this.withoutToken().fromHandshake(auth);
    if (typeof token !== 'string') throw tokenRefused('malformed');
    const { principal, expiresAt } = await this.verify(token);
    if (principal.kind === 'service') throw tokenRefused('not_a_device');
    if (principal.deviceId === null) throw tokenRefused('no_device');
    // The socket lives as long as its token would still be accepted at a new handshake.
    const acceptedUntil = expiresAt.getTime() + this.policy.clockToleranceSeconds * 1000;
    const device = { ...principal, deviceId: principal.deviceId };
    return { device, expiresAt: new Date(acceptedUntil) };
  }

  private verify(token: string): Promise<VerifiedToken> {
    return verifyToken(token, this.key, this.policy, this.clock());
  }

  private withoutToken(): IdentityResolver {
    if (this.fallback) return this.fallback;
    throw tokenRefused('missing_token');
  }
}
