import type { AckItem, AckResult, ReceiptUpdate } from '@receipts/contracts';
import type { MessageReceipts } from './receipt-state';

type ReadSync = Extract<ReceiptUpdate, { type: 'read_sync' }>;

export type ReceiptsClientEvents = {
  /** Every pushed frame, as it came. */
  receipts: (updates: ReceiptUpdate[]) => void;
  /** One of the user's own messages got new receipts. */
  message: (message: MessageReceipts) => void;
  /** The user read on another device. */
  readSync: (update: ReadSync) => void;
  /** A badge changed: one conversation's, or all of them after a snapshot. */
  unread: (badges: Readonly<{ conversationId: string | null; totalUnread: number }>) => void;
  /** Anything in `state` changed: render. */
  change: () => void;
  connection: (status: 'online' | 'offline') => void;
  /** An ACK that will not be applied: a non-retryable answer, or retries ran out. */
  ackFailed: (item: AckItem, result: Extract<AckResult, { ok: false }>) => void;
};
