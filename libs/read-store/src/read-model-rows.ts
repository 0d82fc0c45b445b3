import type { GlobalPosition } from '@receipts/event-store';
import type {
  FeedEntry,
  FeedHead,
  MessageCounts,
  MessageDocument,
  ReadCursorDocument,
  RecipientRow,
  StepRow,
} from '@receipts/read-models';

/** Every row of the read models, as a rebuild folded in memory hands them to a store to write. */
export type ReadModelRows = Readonly<{
  messages: readonly MessageDocument[];
  recipients: readonly RecipientRow[];
  cursors: readonly ReadCursorDocument[];
  steps: readonly StepRow[];
  totals: readonly Readonly<{ userId: string; total: number }>[];
  counts: readonly MessageCounts[];
  feedEntries: readonly FeedEntry[];
  feedHeads: readonly FeedHead[];
  checkpoints: readonly Readonly<{ projection: string; position: GlobalPosition }>[];
}>;
