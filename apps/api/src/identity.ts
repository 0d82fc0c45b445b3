import { ReceiptError } from '@receipts/domain';
import type { Principal } from '@receipts/application';
import { ID_PATTERN } from '@receipts/domain';

export const IDENTITY_RESOLVER = Symbol('IdentityResolver');

/** Who a request or a socket is. The authentication issue replaces the development one. */
export interface IdentityResolver {
  fromHttp(headers: Readonly<Record<string, string | string[] | undefined>>): Principal;
  fromHandshake(auth: unknown): Principal & { kind: 'user'; deviceId: string };
}

/**
 * Development identity, trusted as given: devices pass `{ userId, deviceId }` in the Socket.IO
 * handshake `auth`; HTTP callers send `x-user-id` (a user) or `x-service-name` (a service such
 * as the chat server). Never expose this to untrusted networks.
 */
export class DevelopmentIdentity implements IdentityResolver {
  fromHttp(headers: Readonly<Record<string, string | string[] | undefined>>): Principal {
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

  fromHandshake(auth: unknown): Principal & { kind: 'user'; deviceId: string } {
    const { userId, deviceId } = (auth ?? {}) as { userId?: unknown; deviceId?: unknown };
    return {
      kind: 'user',
      userId: requireId(userId, 'auth.userId'),
      deviceId: requireId(deviceId, 'auth.deviceId'),
    };
  }
}

const single = (value: string | string[] | undefined): string | undefined =>
  Array.isArray(value) ? value[0] : value;

const requireId = (value: unknown, name: string): string => {
  if (typeof value === 'string' && ID_PATTERN.test(value)) return value;
  throw new ReceiptError('UNAUTHENTICATED', `${name} must be an id (1-64 of A-Z a-z 0-9 _ -)`);
};
