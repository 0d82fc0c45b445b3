/**
 * A bearer token naming the user (`sub`) and device (`did`), or a function that returns a fresh
 * one at each (re)connection and REST call; or, against a server with the development identity
 * on, the ids themselves.
 */
export type DeviceCredentials =
  | Readonly<{ token: string | (() => string | Promise<string>) }>
  | Readonly<{ userId: string; deviceId: string }>;

const freshToken = async (token: string | (() => string | Promise<string>)): Promise<string> =>
  typeof token === 'string' ? token : token();

/** The Socket.IO handshake `auth`: a value, or a callback asked at each (re)connection. */
export const handshakeAuth = (
  credentials: DeviceCredentials,
): object | ((callback: (auth: object) => void) => void) => {
  if (!('token' in credentials)) {
    return { userId: credentials.userId, deviceId: credentials.deviceId };
  }
  const { token } = credentials;
  if (typeof token === 'string') return { token };
  return (callback) => {
    // A token that cannot be had connects without one, to be refused (connect_error).
    freshToken(token).then(
      (fresh) => callback({ token: fresh }),
      () => callback({}),
    );
  };
};

/** The REST headers that name the caller the same way as the handshake. */
export const restHeaders = async (
  credentials: DeviceCredentials,
): Promise<Record<string, string>> => {
  if (!('token' in credentials)) {
    return { 'x-user-id': credentials.userId, 'x-device-id': credentials.deviceId };
  }
  return { authorization: `Bearer ${await freshToken(credentials.token)}` };
};

/** The user a token names (`sub`): read, not verified; the server verifies it. */
const subjectOf = (token: string): string => {
  const payload = token.split('.')[1] ?? '';
  const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
  const { sub } = JSON.parse(json) as { sub?: unknown };
  if (typeof sub !== 'string') throw new Error('The token names no user (sub)');
  return sub;
};

export const userIdOf = async (credentials: DeviceCredentials): Promise<string> =>
  'token' in credentials ? subjectOf(await freshToken(credentials.token)) : credentials.userId;
