import { ReceiptsClient } from '@receipts/client';
import {
  READ_MODEL_TABLES,
  type ReadModelTable,
  type Snapshot,
  snapshot,
  waitCaughtUp,
  written,
} from './data-files';

export type DocsWritten = {
  groupSize: number;
  messagesPerReadAck: number;
  readAcks: number;
  /** Read-model rows inserted or changed per read ACK, by table and in total. */
  perReadAck: Record<ReadModelTable, number> & { total: number };
  /** For context: rows written per registered message (O(G)), and per cumulative delivered ACK (one per message covered). */
  perRegistration: number;
  perDeliveredAck: number;
};

const READERS = 4;
const ACKS_PER_READER = 3;
const SNAPSHOT_REGISTRATIONS = 5;

/** Rows written per unit over consecutive snapshots (a row rewritten in two steps counts twice). */
const perUnit = (snapshots: Snapshot[], units: number) => {
  const rows = Object.fromEntries(READ_MODEL_TABLES.map((t) => [t, 0])) as Record<
    ReadModelTable,
    number
  >;
  for (let i = 1; i < snapshots.length; i++) {
    const step = written(snapshots[i - 1]!, snapshots[i]!);
    for (const t of READ_MODEL_TABLES) rows[t] += step[t];
  }
  const per = Object.fromEntries(READ_MODEL_TABLES.map((t) => [t, rows[t] / units])) as Record<
    ReadModelTable,
    number
  >;
  return { ...per, total: READ_MODEL_TABLES.reduce((sum, t) => sum + rows[t], 0) / units };
};

const register = async (url: string, body: Record<string, unknown>): Promise<void> => {
  const response = await fetch(`${url}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-service-name': 'bench-chat' },
    body: JSON.stringify({ ...body, sentAt: new Date().toISOString() }),
  });
  if (!response.ok)
    throw new Error(`registration failed: HTTP ${response.status} ${await response.text()}`);
};

const settled = async (dataDir: string): Promise<Snapshot> => {
  if (!(await waitCaughtUp(dataDir, 60_000))) throw new Error('projector did not catch up');
  return snapshot(dataDir);
};

/**
 * A controlled set of read ACKs on a quiet service: in a group of G, one member sends
 * `messagesPerAck * 3` messages; four members ACK delivery, then each reads in 3 steps of exactly
 * `messagesPerAck` messages. Rows inserted or changed in the read-model file are counted.
 */
export const measureDocsPerRead = async (
  url: string,
  dataDir: string,
  groupSizes: readonly number[],
  messagesPerAck: number,
): Promise<DocsWritten[]> => {
  const results: DocsWritten[] = [];
  for (const size of groupSizes) {
    const conversationId = `docs-g${size}`;
    const members = Array.from({ length: size }, (_, i) => `docs${size}u${i}`);
    const [senderId = '', ...recipientIds] = members;
    const messages = messagesPerAck * ACKS_PER_READER;
    const readers = recipientIds
      .slice(0, READERS)
      .map((userId) => new ReceiptsClient({ url, userId, deviceId: 'phone' }));
    await Promise.all(readers.map((r) => r.connect()));

    // Rows written per registration: a snapshot after each of the first few (every one costs the same).
    const registrations = [await settled(dataDir)];
    for (let sequence = 1; sequence <= messages; sequence++) {
      await register(url, {
        messageId: `m${sequence}`,
        conversationId,
        senderId,
        sequence,
        recipientIds,
      });
      if (sequence <= SNAPSHOT_REGISTRATIONS) registrations.push(await settled(dataDir));
    }
    const registered = await settled(dataDir);
    for (const reader of readers) await reader.markDeliveredUpTo(conversationId, messages);
    const afterReads = [await settled(dataDir)];
    // One snapshot per round (each reader one ACK), so a cursor rewritten every round counts every time.
    for (let step = 1; step <= ACKS_PER_READER; step++) {
      for (const reader of readers) {
        const answer = await reader.markRead(conversationId, step * messagesPerAck);
        if (!answer.ok || answer.applied !== 1)
          throw new Error(`read ACK not applied: ${JSON.stringify(answer)}`);
      }
      afterReads.push(await settled(dataDir));
    }
    for (const reader of readers) reader.close();

    results.push({
      groupSize: size,
      messagesPerReadAck: messagesPerAck,
      readAcks: READERS * ACKS_PER_READER,
      perReadAck: perUnit(afterReads, READERS * ACKS_PER_READER),
      perRegistration: perUnit(registrations, SNAPSHOT_REGISTRATIONS).total,
      perDeliveredAck: perUnit([registered, afterReads[0]!], READERS).total,
    });
  }
  return results;
};
