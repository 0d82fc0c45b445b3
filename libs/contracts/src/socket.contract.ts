import type { AckFrameResult, AckResult } from './errors';
import type { AckFrame, DeliveredAck, ReadAck } from './ack.schemas';
import type { ReceiptUpdate } from './receipt-updates';

export const RECEIPTS_NAMESPACE = '/receipts';

/** Handshake `auth` of a device (development identity; see docs/PROTOCOL.md). */
export type DeviceAuth = { userId: string; deviceId: string };

export interface ClientToServerEvents {
  'receipt:delivered': (ack: DeliveredAck, callback: (result: AckResult) => void) => void;
  'receipt:read': (ack: ReadAck, callback: (result: AckResult) => void) => void;
  /** Several conversations' delivered and read ACKs in one frame, answered per item. */
  'receipt:ack': (frame: AckFrame, callback: (result: AckFrameResult) => void) => void;
}

export interface ServerToClientEvents {
  receipts: (updates: ReceiptUpdate[]) => void;
}

export const userRoom = (userId: string): string => `user:${userId}`;
export const deviceRoom = (userId: string, deviceId: string): string =>
  `device:${userId}:${deviceId}`;
