import type { AckFrameResult, AckResult, ErrorPayload } from './errors';
import type { AckFrame, DeliveredAck, ReadAck, ResumeRequest, SyncRequest } from './ack.schemas';
import type { FeedPage, ProgressUpdate, ReceiptUpdate } from './receipt-updates';

export const RECEIPTS_NAMESPACE = '/receipts';

/** Handshake `auth` of a device (development identity; see docs/PROTOCOL.md). */
export type DeviceAuth = { userId: string; deviceId: string };

export interface ClientToServerEvents {
  'receipt:delivered': (ack: DeliveredAck, callback: (result: AckResult) => void) => void;
  'receipt:read': (ack: ReadAck, callback: (result: AckResult) => void) => void;
  /** Several conversations' delivered and read ACKs in one frame, answered per item. */
  'receipt:ack': (frame: AckFrame, callback: (result: AckFrameResult) => void) => void;
  /** The changes after the last feed position the device applied: a page of its user's feed. */
  'receipt:resume': (request: ResumeRequest, callback: (result: ResumeResult) => void) => void;
  /** Per-member progress of one conversation to this device, until stopped (or disconnected). */
  'receipt:sync:start': (request: SyncRequest, callback: (result: SyncResult) => void) => void;
  'receipt:sync:stop': (request: SyncRequest, callback: (result: SyncResult) => void) => void;
}

/** The conversations the device syncs after the request, and the member-detail limit. */
export type SyncResult =
  | { ok: true; conversationId: string; syncing: string[]; memberDetailMax: number }
  | { ok: false; error: ErrorPayload };

export type ResumeResult = ({ ok: true } & FeedPage) | { ok: false; error: ErrorPayload };

/** The events a device may send; any other event is answered NOT_FOUND (when it has a callback). */
export const ACK_EVENTS: ReadonlySet<string> = new Set<keyof ClientToServerEvents>([
  'receipt:delivered',
  'receipt:read',
  'receipt:ack',
  'receipt:resume',
  'receipt:sync:start',
  'receipt:sync:stop',
]);

export interface ServerToClientEvents {
  receipts: (updates: ReceiptUpdate[]) => void;
  'receipt:progress': (updates: ProgressUpdate[]) => void;
}

export const userRoom = (userId: string): string => `user:${userId}`;
export const deviceRoom = (userId: string, deviceId: string): string =>
  `device:${userId}:${deviceId}`;
/** The sockets of a user's devices that sync one conversation. */
export const syncRoom = (userId: string, conversationId: string): string =>
  `sync:${userId}:${conversationId}`;
