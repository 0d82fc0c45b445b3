import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { v5 as uuidv5 } from 'uuid';
import { type EventToAppend, SqliteEventStore } from '@receipts/event-store';
import { SqliteReadStore, readModelContents } from '@receipts/read-store';
import {
  acknowledgeDelivery,
  acknowledgeDeliveryUpTo,
  markConversationRead,
  registerMessage,
} from '@receipts/testing';
import { rebuildReadModels } from './rebuild-read-models';
import { ReceiptCommandService } from './receipt-command.service';
import { ReceiptMetrics } from './receipt-metrics';

/**
 * A log written before deliveries were grouped (schema version 1: one `message_delivered` per
 * message) must keep working: replayed, it gives the same read models as the same history
 * written today, and the write side decides on it as on today's.
 */
describe('a log of version 1 deliveries', () => {
  let dir: string;
  const stores: Array<{ close(): Promise<void> }> = [];
  const open = <T extends { close(): Promise<void> }>(store: T): T => {
    stores.push(store);
    return store;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'receipts-v1-'));
  });

  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('replays into the same read models as the same history written with version 2', async () => {
    const today = open(new SqliteEventStore(join(dir, 'today.sqlite'), 5));
    const commands = new ReceiptCommandService(today, new ReceiptMetrics());
    const members = ['bob', 'carol', 'dave'];
    for (let sequence = 1; sequence <= 12; sequence++) {
      const recipientIds = sequence % 3 === 0 ? ['bob'] : members;
      await commands.registerMessage(
        registerMessage({ sequence, messageId: `m${sequence}`, recipientIds }),
        {},
      );
    }
    await commands.acknowledge(acknowledgeDelivery({ messageIds: ['m1', 'm2', 'm3', 'm5'] }), {});
    await commands.acknowledge(acknowledgeDeliveryUpTo({ userId: 'carol', upToSequence: 8 }), {});
    await commands.acknowledge(markConversationRead({ userId: 'dave', upToSequence: 4 }), {});
    await commands.acknowledge(acknowledgeDeliveryUpTo({ userId: 'dave', upToSequence: 10 }), {});
    await commands.acknowledge(markConversationRead({ upToSequence: 6 }), {});
    await commands.acknowledge(acknowledgeDeliveryUpTo({ upToSequence: 12 }), {});

    const recorded = await today.readAll({ maxCount: 10_000 });
    const grouped = recorded.filter(
      (e) => e.type === 'message_delivered' && e.metadata.schemaVersion === 2,
    );
    expect(grouped.length).toBeGreaterThan(0);
    const older = open(new SqliteEventStore(join(dir, 'older.sqlite'), 5));
    for (const event of recorded) {
      const revision = await older.readStream(event.stream);
      await older.appendToStream(
        event.stream,
        event.type === 'message_delivered' ? asVersion1(event.data) : [sameEvent(event)],
        revision.length === 0 ? 'no_stream' : revision.at(-1)!.revision,
      );
    }

    const rebuilt = async (events: SqliteEventStore, name: string) => {
      const file = join(dir, name);
      const target = new SqliteReadStore(file, { bulk: true });
      await rebuildReadModels(events, target, { via: 'batches' });
      await target.close(); // bulk mode holds the file exclusively
      return readModelContents(file);
    };
    const fromToday = await rebuilt(today, 'today-read-models.sqlite');
    expect(fromToday.recipient_receipts.some((row) => row.includes('phone'))).toBe(true);
    expect(await rebuilt(older, 'older-read-models.sqlite')).toEqual(fromToday);

    // The write side folds the old events too: what they delivered is a duplicate now.
    const onOlder = new ReceiptCommandService(older, new ReceiptMetrics());
    expect(
      await onOlder.acknowledge(
        acknowledgeDelivery({ userId: 'carol', messageIds: ['m7', 'm8'] }),
        {},
      ),
    ).toEqual({ applied: 0, duplicates: 2 });
    expect(
      await onOlder.acknowledge(
        acknowledgeDelivery({ userId: 'carol', messageIds: ['m8', 'm10'] }),
        {},
      ),
    ).toEqual({ applied: 1, duplicates: 1 });
  });
});

const NAMESPACE = '6f1c3c8e-7a52-4b4e-9d43-0d7f5a1c2b90';

type Version2Delivery = {
  conversationId: string;
  userId: string;
  deviceId: string;
  deliveredAt: string;
  messages: Array<{ messageId: string; sequence: number; senderId: string }>;
};

/** What the service wrote for one delivered ACK before version 2: one event per message. */
const asVersion1 = (data: unknown): EventToAppend[] => {
  const { messages, ...ack } = data as Version2Delivery;
  return messages.map(({ messageId, sequence, senderId }) => ({
    id: uuidv5(`delivered:${ack.conversationId}:${sequence}:${ack.userId}`, NAMESPACE),
    type: 'message_delivered',
    data: { ...ack, messageId, sequence, senderId },
    metadata: { schemaVersion: 1, deviceId: ack.deviceId },
  }));
};

const sameEvent = ({ id, type, data, metadata }: EventToAppend): EventToAppend => ({
  id,
  type,
  data,
  metadata,
});
