import type { Socket } from 'socket.io';

/** setTimeout's longest wait (about 24.8 days); a longer one fires at once, so it is waited in steps. */
const LONGEST_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * Disconnects the socket when its credential stops being accepted, so a socket lives no longer
 * than its token; the timer goes with the socket.
 */
export const disconnectAtExpiry = (
  socket: Pick<Socket, 'disconnect' | 'once'>,
  expiresAt: Date,
  now: () => number = Date.now,
): void => {
  let timer: NodeJS.Timeout | undefined;
  const check = (): void => {
    const left = expiresAt.getTime() - now();
    if (left <= 0) socket.disconnect(true);
    else timer = setTimeout(check, Math.min(left, LONGEST_TIMEOUT_MS));
  };
  socket.once('disconnect', () => clearTimeout(timer));
  check();
};
