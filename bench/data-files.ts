import Database from 'better-sqlite3';
import { join } from 'node:path';
import type { AnsweredSamples } from './load/protocol';

import { READ_MODEL_TABLES, type ReadModelTable } from '@receipts/read-store';

export { READ_MODEL_TABLES, type ReadModelTable };

const open = (file: string) => new Database(file, { readonly: true, fileMustExist: true });

/** Every row of every read-model table, as text, to tell which rows a set of ACKs inserted or changed. */
export type Snapshot = Record<ReadModelTable, Set<string>>;

export const snapshot = (dataDir: string): Snapshot => {
  const db = open(join(dataDir, 'read-models.sqlite'));
  try {
    const rows = (t: string) =>
      new Set(
        db
          .prepare(`SELECT * FROM ${t}`)
          .all()
          .map((r) => JSON.stringify(r)),
      );
    return Object.fromEntries(READ_MODEL_TABLES.map((t) => [t, rows(t)])) as Snapshot;
  } finally {
    db.close();
  }
};

/** Rows present in `after` that were not in `before` (inserted, or written with new values). */
export const written = (before: Snapshot, after: Snapshot): Record<ReadModelTable, number> =>
  Object.fromEntries(
    READ_MODEL_TABLES.map((t) => [t, [...after[t]].filter((row) => !before[t].has(row)).length]),
  ) as Record<ReadModelTable, number>;

/** The log head and the receipts projection's checkpoint, read from the files. */
export const positions = (dataDir: string): { head: number; checkpoint: number } => {
  const events = open(join(dataDir, 'events.sqlite'));
  const reads = open(join(dataDir, 'read-models.sqlite'));
  try {
    const head =
      (events.prepare('SELECT MAX(position) FROM events').pluck().get() as number | null) ?? 0;
    const checkpoint =
      (reads
        .prepare(`SELECT position FROM checkpoints WHERE projection = 'receipts'`)
        .pluck()
        .get() as number | undefined) ?? 0;
    return { head, checkpoint };
  } finally {
    events.close();
    reads.close();
  }
};

/** Waits until the projector has applied everything in the log. */
export const waitCaughtUp = async (dataDir: string, timeoutMs = 120_000): Promise<boolean> => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { head, checkpoint } = positions(dataDir);
    if (checkpoint >= head) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
};

/** The log's last position: events appended between two reads, whatever the metrics say. */
export const logHead = (dataDir: string): number => {
  const db = open(join(dataDir, 'events.sqlite'));
  try {
    return (db.prepare('SELECT MAX(position) FROM events').pluck().get() as number | null) ?? 0;
  } finally {
    db.close();
  }
};

export type DurabilityCheck = {
  checkedAcks: number;
  checkedMessages: number;
  missing: number;
  examples: string[];
};

/**
 * Every sampled ACK that was answered with success must be in the log: each message of a
 * delivered ACK as `message_delivered` (or covered by a read), each read as a cursor at least as
 * far. Opened read-write so that SQLite recovers the WAL of a killed writer.
 */
export const verifyAnswered = (dataDir: string, samples: AnsweredSamples): DurabilityCheck => {
  const db = new Database(join(dataDir, 'events.sqlite'), { fileMustExist: true });
  const query = db.prepare('SELECT type, data FROM events WHERE stream = ?');
  const streamOf = (conversationId: string, userId: string) => {
    const rows = query.all(`receipts-${conversationId}.${userId}`) as Array<{
      type: string;
      data: string;
    }>;
    const delivered = new Set<string>();
    let readUpTo = 0;
    for (const row of rows) {
      const data = JSON.parse(row.data) as {
        messageId?: string;
        messages?: Array<{ messageId: string }>;
        readUpToSequence?: number;
      };
      if (row.type === 'message_delivered') {
        // Version 2 lists the messages of one ACK; version 1 named one message.
        for (const { messageId } of data.messages ?? []) delivered.add(messageId);
        if (data.messageId) delivered.add(data.messageId);
      }
      if (row.type === 'conversation_read')
        readUpTo = Math.max(readUpTo, data.readUpToSequence ?? 0);
    }
    return { delivered, readUpTo };
  };
  const result: DurabilityCheck = { checkedAcks: 0, checkedMessages: 0, missing: 0, examples: [] };
  const miss = (what: string) => {
    result.missing++;
    if (result.examples.length < 5) result.examples.push(what);
  };
  try {
    for (const ack of samples.delivered) {
      const stream = streamOf(ack.conversationId, ack.userId);
      result.checkedAcks++;
      for (const [id, sequence] of ack.messages) {
        result.checkedMessages++;
        if (!stream.delivered.has(id) && stream.readUpTo < sequence)
          miss(`delivered ${ack.conversationId}/${id} by ${ack.userId}`);
      }
    }
    for (const ack of samples.reads) {
      result.checkedAcks++;
      result.checkedMessages++;
      if (streamOf(ack.conversationId, ack.userId).readUpTo < ack.upTo)
        miss(`read ${ack.conversationId} up to ${ack.upTo} by ${ack.userId}`);
    }
  } finally {
    db.close();
  }
  return result;
};
