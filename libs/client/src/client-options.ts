import type { io } from 'socket.io-client';
import type { DeviceCredentials } from './credentials';
import type { ReceiptsSocket } from './receipts-socket';

export type ReceiptsClientOptions = Readonly<{
  /** The API's base URL, e.g. `https://receipts.example.com`. */
  url: string;
  /** How long ACKs wait to be sent together in one frame (DEFAULTS.batchWindowMs). */
  batchWindowMs?: number;
  /** Frames per second at most, retries included; under the server's per-device limit. */
  maxFramesPerSecond?: number;
  /** How long an ACK waits for its answer before it counts as unanswered (and is retried). */
  ackTimeoutMs?: number;
  /** How long retryable answers are retried while connected before the last one is handed over. */
  retryForMs?: number;
  /**
   * Load the badges and the receipts of tracked messages from REST on the first connection
   * (the local state starts empty) and after a resync; reconnections catch up from the feed.
   */
  refreshOnConnect?: boolean;
  /**
   * The last feed position this app applied before it was restarted (`client.position`, kept
   * by the app): the first connection catches up from there. Absent: a fresh start from the
   * feed's head.
   */
  resumeFrom?: number;
  /**
   * Follow the change feed (on by default): catch up on connecting and after a gap. Off, for a
   * device that only ACKs (a bot, a load generator): pushes are applied as they come, no
   * `receipt:resume` is sent, and the snapshots load on every connection if `refreshOnConnect`.
   */
  catchUp?: boolean;
  /** For tests: builds the socket instead of `io`. */
  createSocket?: (url: string, options: Parameters<typeof io>[1]) => ReceiptsSocket;
}> &
  DeviceCredentials;

export const DEFAULTS = {
  batchWindowMs: 250,
  maxFramesPerSecond: 10,
  ackTimeoutMs: 10_000,
  retryForMs: 30_000,
  /** Own messages whose receipts a reconnection reloads (the newest not yet read by all). */
  refreshMessages: 40,
} as const;
