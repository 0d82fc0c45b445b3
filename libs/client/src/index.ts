export type * from './client-events';
export * from './client-options';
export * from './credentials';
export type { QueuedItem } from './ack-queue';
export * from './receipt-state';
export * from './receipts-client';
export type { ReceiptsSocket } from './receipts-socket';
export type { ReceiptsSnapshot, UnreadSnapshot } from './snapshots';
export { SnapshotError } from './snapshots';
