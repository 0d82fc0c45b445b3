import { SignJWT } from 'jose';
import { DEVICE_CLAIM, SERVICE_SCOPE } from './token-claims';

export type TokenSubject =
  | Readonly<{ kind: 'user'; userId: string; deviceId?: string }>
  | Readonly<{ kind: 'service'; name: string }>;

export type MintOptions = Readonly<{
  secret: string;
  issuer: string;
  audience: string;
  ttlSeconds: number;
  now: Date;
}>;

/**
 * An HS256 token for a user's device or a service, signed with the shared secret. For
 * development and operators; in production an identity provider issues the tokens.
 */
export const mintToken = (subject: TokenSubject, options: MintOptions): Promise<string> => {
  const claims =
    subject.kind === 'service'
      ? { scope: SERVICE_SCOPE }
      : subject.deviceId === undefined
        ? {}
        : { [DEVICE_CLAIM]: subject.deviceId };
  const issuedAt = Math.floor(options.now.getTime() / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(subject.kind === 'service' ? subject.name : subject.userId)
    .setIssuer(options.issuer)
    .setAudience(options.audience)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + options.ttlSeconds)
    .sign(new TextEncoder().encode(options.secret));
};
