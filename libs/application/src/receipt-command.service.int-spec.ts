import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EventStore, SqliteEventStore } from '@receipts/event-store';
import { acknowledgeDelivery, markConversationRead, registerMessage } from '@receipts/testing';
import { ReceiptCommandService } from './receipt-command.service';
import { ReceiptMetrics } from './receipt-metrics';

/** Two API nodes on one log, each with its own caches; reads of stream tails counted per node. */
describe('ReceiptCommandService on a warm conversation', () => {
  let dir: string;
  const stores: EventStore[] = [];

  const node = () => {
    const store = new SqliteEventStore(join(dir, 'events.sqlite'), 5);
    stores.push(store);
    const tails: string[] = [];
    const readStream = store.readStream.bind(store);
    store.readStream = (stream, from) => {
      tails.push(stream);
      return readStream(stream, from);
    };
    return { commands: new ReceiptCommandService(store, new ReceiptMetrics()), tails };
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'receipts-commands-'));
  });

  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('decides ACKs without reading the conversation from the log', async () => {
    const { commands, tails } = node();
    await commands.registerMessage(registerMessage({ sequence: 1 }), {});
    await commands.registerMessage(registerMessage({ sequence: 2, messageId: 'm2' }), {});
    tails.length = 0;
    await commands.acknowledge(acknowledgeDelivery({ messageIds: ['m1'] }), {});
    await commands.acknowledge(acknowledgeDelivery({ userId: 'carol', messageIds: ['m2'] }), {});
    await commands.acknowledge(markConversationRead({ upToSequence: 2 }), {});
    expect(tails.filter((stream) => stream.startsWith('conversation-'))).toEqual([]);
  });

  it('reads the conversation again when an ACK names what another node registered since', async () => {
    const a = node();
    const b = node();
    await a.commands.registerMessage(registerMessage({ sequence: 1 }), {});
    expect(await b.commands.acknowledge(acknowledgeDelivery({ messageIds: ['m1'] }), {})).toEqual({
      applied: 1,
      duplicates: 0,
    });
    await a.commands.registerMessage(registerMessage({ sequence: 2, messageId: 'm2' }), {});
    b.tails.length = 0;
    expect(await b.commands.acknowledge(acknowledgeDelivery({ messageIds: ['m2'] }), {})).toEqual({
      applied: 1,
      duplicates: 0,
    });
    expect(await b.commands.acknowledge(markConversationRead({ upToSequence: 2 }), {})).toEqual({
      applied: 1,
      duplicates: 0,
    });
    expect(b.tails.filter((stream) => stream.startsWith('conversation-'))).toEqual([
      'conversation-c1',
    ]);
  });

  it('still answers NOT_YET_REGISTERED when the log has nothing newer either', async () => {
    const { commands } = node();
    await commands.registerMessage(registerMessage({ sequence: 1 }), {});
    await expect(
      commands.acknowledge(acknowledgeDelivery({ messageIds: ['m9'] }), {}),
    ).rejects.toMatchObject({ code: 'NOT_YET_REGISTERED', retryable: true });
  });
});
