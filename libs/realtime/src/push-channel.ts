import type { ProgressUpdate, ReceiptUpdate } from '@receipts/contracts';

export const PUSH_CHANNEL = Symbol('PushChannel');

/** Every device of a user, optionally all but the one that caused the update. */
export type PushTarget = Readonly<{ userId: string; exceptDeviceId?: string | null }>;

/** Fire-and-forget pushes: a device that misses one catches up from the REST read models. */
export interface PushChannel {
  push(target: PushTarget, update: ReceiptUpdate): void;
  /** To the user's devices syncing the conversation, if any: one frame, not coalesced. */
  progress(userId: string, conversationId: string, updates: ProgressUpdate[]): void;
  /** Sends whatever is buffered now. */
  flush(): void;
}
