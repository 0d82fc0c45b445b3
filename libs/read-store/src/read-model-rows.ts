import type { GlobalPosition } from '@receipts/event-store';
import type { MessageDocument, ReadCursorDocument } from '@receipts/read-models';

export type RecipientRow = Readonly<{
  conversationId: string;
  sequence: number;
  userId: string;
  deliveredAt: string | null;
  deliveredDevice: string | null;
}>;

export type StepRow = Readonly<{
  conversationId: string;
  userId: string;
  upTo: number;
  readAt: string;
  deviceId: string | null;
  shared: boolean;
}>;

/** Every row of the read models, as a rebuild folded in memory hands them to a store to write. */
export type ReadModelRows = Readonly<{
  messages: readonly MessageDocument[];
  recipients: readonly RecipientRow[];
  cursors: readonly ReadCursorDocument[];
  steps: readonly StepRow[];
  totals: readonly Readonly<{ userId: string; total: number }>[];
  checkpoints: readonly Readonly<{ projection: string; position: GlobalPosition }>[];
}>;
