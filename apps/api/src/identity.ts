import type { Principal } from '@receipts/application';
import { ID_PATTERN, ReceiptError } from '@receipts/domain';

export const IDENTITY_RESOLVER = Symbol('IdentityResolver');

export type Headers = Readonly<Record<string, string | string[] | undefined>>;
export type DevicePrincipal = Principal & { kind: 'user'; deviceId: string };

/** A device's socket: who it is, and when its credential stops being valid (null: never). */
export type DeviceSession = Readonly<{ device: DevicePrincipal; expiresAt: Date | null }>;

/**
 * Who a request or a socket is; refuses with UNAUTHENTICATED. Bearer tokens (JwtIdentity) need
 * the asynchronous WebCrypto API, the development identity answers at once.
 */
export interface IdentityResolver {
  fromHttp(headers: Headers): Principal | Promise<Principal>;
  fromHandshake(auth: unknown): DeviceSession | Promise<DeviceSession>;
}

/**
 * Development identity, trusted as given: devices pass `{ userId, deviceId }` in the Socket.IO
 * handshake `auth`; HTTP callers send `x-user-id` (a user) or `x-service-name` (a service such
 * as the chat server). Only with RECEIPTS_DEV_IDENTITY=on, never in production: see SECURITY.md.
 */
export class DevelopmentIdentity implements IdentityResolver {
  fromHttp(headers: Headers): Principal {
    const service = single(headers['x-service-name']);
    if (service !== undefined)
      return { kind: 'service', name: requireId(service, 'x-service-name') };
    const user = single(headers['x-user-id']);
    if (user === undefined) {
      throw new ReceiptError('UNAUTHENTICATED', 'Send x-user-id or x-service-name');
    }
    const device = single(headers['x-device-id']);
    return {
      kind: 'user',
      userId: requireId(user, 'x-user-id'),
      deviceId: device === undefined ? null : requireId(device, 'x-device-id'),
    };
  }

  fromHandshake(auth: unknown): DeviceSession {
    const { userId, deviceId } = (auth ?? {}) as { userId?: unknown; deviceId?: unknown };
    const device: DevicePrincipal = {
      kind: 'user',
      userId: requireId(userId, 'auth.userId'),
      deviceId: requireId(deviceId, 'auth.deviceId'),
    };
    return { device, expiresAt: null };
  }
}

export const single = (value: string | string[] | undefined): string | undefined =>
  Array.isArray(value) ? value[0] : value;

const requireId = (value: unknown, name: string): string => {
  if (typeof value === 'string' && ID_PATTERN.test(value)) return value;
  throw new ReceiptError('UNAUTHENTICATED', `${name} must be an id (1-64 of A-Z a-z 0-9 _ -)`);
};
