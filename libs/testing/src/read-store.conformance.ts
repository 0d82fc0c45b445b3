import { randomUUID } from 'node:crypto';
import type { GlobalPosition } from '@receipts/event-store';
import {
  type MessageDocument,
  type ReadModelChange,
  type ReceiptDelta,
  MAX_COVERED_PER_READ,
  countReceipts,
  recipientReceipt,
} from '@receipts/read-models';
import type { FeedOptions, ReadStore } from '@receipts/read-store';
import { describeProjectionControl } from './projection-control.conformance';

export type OpenedReadStore = Readonly<{
  store: ReadStore;
  /** Closes the store and drops its data. */
  cleanup: () => Promise<void>;
}>;

/**
 * The ReadStore port's contract, for every adapter. Conversation, user and projection names are
 * unique per test. `reset` drops every read model, so two runs must not share one database.
 */
export const describeReadStoreConformance = (
  adapterName: string,
  open: (options?: FeedOptions) => Promise<OpenedReadStore>,
): void => {
  describe(`ReadStore conformance: ${adapterName}`, () => {
    let opened: OpenedReadStore;
    let store: ReadStore;
    let world: World;
    let position: GlobalPosition;
    /** Applies a batch as the projection would: every batch at a checkpoint above the last one. */
    /** The receipts' deltas (message counts have tests of their own). */
    const apply = async (...changes: ReadModelChange[]): Promise<readonly ReceiptDelta[]> =>
      (await applied(...changes)).deltas.filter((delta) => delta.kind !== 'counts');
    const applied = (...changes: ReadModelChange[]) => {
      position += 1n;
      return store.apply(world.projection, changes, position);
    };

    beforeEach(async () => {
      opened = await open();
      store = opened.store;
      world = newWorld();
      position = 0n;
    });
    afterEach(() => opened.cleanup());

    describe('message_registered', () => {
      it('stores the message and one empty fact per recipient, in user id order', async () => {
        const { c, ann, bob, cid, sender } = world;
        await apply(registered(c, 1, [cid, ann, bob], sender));
        expect(await store.findMessage(c, 'm1')).toEqual({
          conversationId: c,
          messageId: 'm1',
          sequence: 1,
          senderId: sender,
          sentAt: at(0),
          recipientCount: 3,
        });
        expect(await store.recipientFacts(c, 1)).toEqual([ann, bob, cid].map(noFacts));
        expect(await store.findMessage(c, 'm2')).toBeNull();
        expect(await store.recipientFacts(c, 2)).toEqual([]);
      });

      it('counts the message as unread for every recipient, in the cursor and the total', async () => {
        const { c, d, ann, bob, sender } = world;
        await apply(registered(c, 1, [ann, bob], sender), registered(c, 2, [ann, bob], sender));
        await apply(registered(d, 1, [ann], sender));
        expect(await store.findCursor(ann, c)).toEqual({
          userId: ann,
          conversationId: c,
          readUpTo: 0,
          sharedReadUpTo: 0,
          unread: 2,
          lastReadAt: null,
        });
        expect(await store.totalUnread(ann)).toBe(3);
        expect(await store.totalUnread(bob)).toBe(2);
        expect(await store.totalUnread(sender)).toBe(0);
      });

      it('does not count a message at or below the recipient cursor as unread', async () => {
        const { c, ann, sender } = world;
        await apply(read(c, ann, 5, at(1)));
        await apply(registered(c, 3, [ann], sender), registered(c, 5, [ann], sender));
        expect(await store.findCursor(ann, c)).toMatchObject({ readUpTo: 5, unread: 0 });
        expect(await store.totalUnread(ann)).toBe(0);
        await apply(registered(c, 6, [ann], sender));
        expect(await store.findCursor(ann, c)).toMatchObject({ readUpTo: 5, unread: 1 });
        expect(await store.totalUnread(ann)).toBe(1);
      });
    });

    it('message_delivered records the first delivery and ignores later ones', async () => {
      const { c, ann, bob, sender } = world;
      await apply(registered(c, 1, [ann, bob], sender));
      await apply(delivered(c, 1, ann, at(2), 'phone'));
      await apply(delivered(c, 1, ann, at(1), 'laptop'), delivered(c, 1, ann, at(3), 'tablet'));
      expect(await store.recipientFacts(c, 1)).toEqual([
        { ...noFacts(ann), deliveredAt: at(2), deliveredDeviceId: 'phone' },
        noFacts(bob),
      ]);
    });

    describe('cursor_moved', () => {
      it("moves the cursor and counts the reader's messages above it as unread", async () => {
        const { c, d, ann, bob, sender } = world;
        await apply(
          ...[1, 2].map((s) => registered(c, s, [ann, bob], sender)),
          registered(c, 3, [bob], ann),
          ...[4, 5].map((s) => registered(c, s, [ann, bob], sender)),
          registered(d, 1, [ann], sender),
        );
        expect(await store.totalUnread(ann)).toBe(5);
        await apply(read(c, ann, 3, at(7)));
        expect(await store.findCursor(ann, c)).toEqual({
          userId: ann,
          conversationId: c,
          readUpTo: 3,
          sharedReadUpTo: 3,
          unread: 2,
          lastReadAt: at(7),
        });
        expect(await store.totalUnread(ann)).toBe(3);
        expect(await store.findCursor(bob, c)).toMatchObject({ readUpTo: 0, unread: 5 });
        await apply(read(c, ann, 5, at(8)));
        expect(await store.findCursor(ann, c)).toMatchObject({
          readUpTo: 5,
          unread: 0,
          lastReadAt: at(8),
        });
        expect(await store.totalUnread(ann)).toBe(1);
      });

      it('ends the same when registrations and reads of one cursor share a batch', async () => {
        const { c, d, ann, bob, sender } = world;
        await apply(
          registered(c, 1, [ann, bob], sender),
          registered(c, 2, [ann, bob], sender),
          read(c, ann, 1, at(3)),
          registered(c, 3, [ann, bob], sender),
          read(c, ann, 2, at(4), { shared: false }),
          registered(d, 1, [ann], sender),
          read(c, bob, 3, at(5)),
          registered(c, 4, [ann, bob], sender),
        );
        expect(await store.findCursor(ann, c)).toEqual({
          userId: ann,
          conversationId: c,
          readUpTo: 2,
          sharedReadUpTo: 1,
          unread: 2,
          lastReadAt: at(4),
        });
        expect(await store.findCursor(bob, c)).toMatchObject({ readUpTo: 3, unread: 1 });
        expect(await store.totalUnread(ann)).toBe(3);
        expect(await store.totalUnread(bob)).toBe(1);
      });

      it('never moves a cursor backwards, nor when an earlier message was read', async () => {
        const { c, ann, sender } = world;
        await apply(...[1, 2, 3, 4].map((s) => registered(c, s, [ann], sender)));
        await apply(read(c, ann, 3, at(5), { deviceId: 'phone' }));
        const cursor = await store.findCursor(ann, c);
        await apply(read(c, ann, 2, at(6), { deviceId: 'laptop' }));
        await apply(read(c, ann, 1, at(7), { shared: false }));
        expect(await store.findCursor(ann, c)).toEqual(cursor);
        expect(cursor).toMatchObject({ readUpTo: 3, unread: 1, lastReadAt: at(5) });
        expect(await store.totalUnread(ann)).toBe(1);
        expect(await store.recipientFacts(c, 1)).toEqual([
          { ...noFacts(ann), sharedRead: { at: at(5), deviceId: 'phone' }, anyReadAt: at(5) },
        ]);
      });

      it('shares only the steps made with receipts on, and dates a read by its first step', async () => {
        const { c, ann, sender } = world;
        await apply(...[1, 2, 3, 4, 5].map((s) => registered(c, s, [ann], sender)));
        await apply(read(c, ann, 2, at(10), { shared: false, deviceId: 'tablet' }));
        await apply(read(c, ann, 4, at(20), { deviceId: 'phone' }));
        expect(await store.findCursor(ann, c)).toMatchObject({ readUpTo: 4, sharedReadUpTo: 4 });
        const facts = async (sequence: number) => (await store.recipientFacts(c, sequence))[0];
        expect(await facts(1)).toEqual({
          ...noFacts(ann),
          sharedRead: { at: at(20), deviceId: 'phone' },
          anyReadAt: at(10),
        });
        expect(await facts(3)).toEqual({
          ...noFacts(ann),
          sharedRead: { at: at(20), deviceId: 'phone' },
          anyReadAt: at(20),
        });
        expect(await facts(5)).toEqual(noFacts(ann));
      });

      it('counts a message delivered by an ACK or any read, and read only by a shared read', async () => {
        const { c, ann, bob, cid, sender } = world;
        await apply(...[1, 2, 3].map((s) => registered(c, s, [ann, bob, cid], sender)));
        expect(await store.recipientCounts(c, 1)).toEqual({ delivered: 0, read: 0 });
        await apply(delivered(c, 2, ann, at(4)), read(c, bob, 2, at(5), { shared: false }));
        await apply(read(c, cid, 1, at(6)), read(c, ann, 3, at(7)));
        expect(await store.recipientCounts(c, 1)).toEqual({ delivered: 3, read: 2 });
        expect(await store.recipientCounts(c, 2)).toEqual({ delivered: 2, read: 1 });
        expect(await store.recipientCounts(c, 3)).toEqual({ delivered: 1, read: 1 });
        expect(await store.recipientCounts(c, 4)).toEqual({ delivered: 0, read: 0 });
      });

      it('counts each transition once: an ACK after a read, a read after an ACK, a read past what a push lists', async () => {
        const { c, ann, bob, sender } = world;
        const all = Array.from({ length: MAX_COVERED_PER_READ + 5 }, (_, i) => i + 1);
        await apply(...all.map((s) => registered(c, s, [ann, bob], sender)));
        await apply(delivered(c, 1, ann, at(1)), read(c, ann, 3, at(2), { shared: false }));
        await apply(delivered(c, 2, ann, at(3)), delivered(c, 1, bob, at(3)));
        expect(await store.recipientCounts(c, 1)).toEqual({ delivered: 2, read: 0 });
        expect(await store.recipientCounts(c, 2)).toEqual({ delivered: 1, read: 0 });
        await apply(read(c, ann, all.length, at(4)));
        await apply(read(c, bob, 1, at(5)));
        expect(await store.recipientCounts(c, 1)).toEqual({ delivered: 2, read: 2 });
        for (const sequence of [2, 3, 4, all.length]) {
          expect(await store.recipientCounts(c, sequence)).toEqual({ delivered: 1, read: 1 });
        }
        for (const sequence of [1, 2, 3, 100, all.length]) {
          const facts = await store.recipientFacts(c, sequence);
          expect(await store.recipientCounts(c, sequence)).toEqual(
            countReceipts(facts.map(recipientReceipt)),
          );
        }
      });

      it("tells each message's counts once per batch, as the batch left them, after its other deltas", async () => {
        const { c, ann, bob, sender } = world;
        const batch = [
          registered(c, 1, [ann, bob], sender),
          registered(c, 2, [ann, bob], sender),
          delivered(c, 1, ann, at(1)),
          delivered(c, 1, bob, at(1)),
          read(c, ann, 2, at(2)),
        ];
        const { deltas } = await applied(...batch);
        const counts = deltas.filter((d) => d.kind === 'counts');
        expect(counts).toHaveLength(2);
        expect(counts).toMatchObject([
          { message: { messageId: 'm1', sequence: 1, senderId: sender }, delivered: 2, read: 1 },
          { message: { messageId: 'm2', sequence: 2, senderId: sender }, delivered: 1, read: 1 },
        ]);
        expect(deltas.at(-1)).toMatchObject({ kind: 'counts' });
        expect(deltas.at(-3)).toMatchObject({ kind: 'cursor_moved' });
        // The same events again (a redelivery) change no count.
        expect((await applied(...batch)).deltas).toEqual([]);
        expect(await store.recipientCounts(c, 1)).toEqual({ delivered: 2, read: 1 });
      });

      it('shows a private read to senders as a delivery at its time, never as read', async () => {
        const { c, ann, sender } = world;
        await apply(...[1, 2, 3].map((s) => registered(c, s, [ann], sender)));
        await apply(read(c, ann, 1, at(10), { deviceId: null }));
        await apply(read(c, ann, 3, at(20), { shared: false }));
        expect(await store.findCursor(ann, c)).toMatchObject({
          readUpTo: 3,
          sharedReadUpTo: 1,
          unread: 0,
        });
        const [first] = await store.recipientFacts(c, 1);
        expect(first!.sharedRead).toEqual({ at: at(10), deviceId: null });
        const [second] = await store.recipientFacts(c, 2);
        expect(second).toEqual({ ...noFacts(ann), anyReadAt: at(20) });
        expect(recipientReceipt(second!)).toEqual({
          userId: ann,
          status: 'delivered',
          deliveredAt: at(20),
        });
      });
    });

    describe('deltas: what changed for whom', () => {
      const message = (
        conversationId: string,
        sequence: number,
        senderId: string,
        count: number,
      ) => ({
        conversationId,
        messageId: `m${sequence}`,
        sequence,
        senderId,
        sentAt: at(0),
        recipientCount: count,
      });

      it('tells of a registration and a first delivery once, however often they are applied', async () => {
        const { c, ann, bob, sender } = world;
        const batch = [registered(c, 1, [ann, bob], sender), delivered(c, 1, ann, at(2))];
        expect(await apply(...batch)).toEqual([
          {
            kind: 'message_registered',
            message: message(c, 1, sender, 2),
            recipientIds: [ann, bob],
          },
          {
            kind: 'delivered',
            message: message(c, 1, sender, 2),
            recipientId: ann,
            deliveredAt: at(2),
          },
        ]);
        expect(await apply(...batch, delivered(c, 1, ann, at(3), 'laptop'))).toEqual([]);
        expect(await apply(delivered(c, 1, bob, at(4)))).toMatchObject([
          { kind: 'delivered', recipientId: bob, deliveredAt: at(4) },
        ]);
      });

      it('tells senders of a shared read the messages addressed to the reader it covers, and the reader where their cursor ended', async () => {
        const { c, d, ann, bob, sender } = world;
        await apply(
          registered(c, 1, [ann, bob], sender),
          registered(c, 2, [bob], sender),
          registered(c, 3, [ann, bob], bob),
          registered(c, 4, [ann], sender),
          registered(d, 1, [ann], sender),
        );
        const deltas = await apply(read(c, ann, 3, at(5), { deviceId: 'laptop' }));
        expect(deltas).toEqual([
          {
            kind: 'read',
            conversationId: c,
            readerId: ann,
            readUpToSequence: 3,
            readAt: at(5),
            messages: [message(c, 1, sender, 2), message(c, 3, bob, 2)],
          },
          {
            kind: 'cursor_moved',
            deviceId: 'laptop',
            shared: true,
            cursor: {
              userId: ann,
              conversationId: c,
              readUpTo: 3,
              sharedReadUpTo: 3,
              unread: 1,
              lastReadAt: at(5),
            },
            totalUnread: 2,
          },
        ]);
        expect(await apply(read(c, ann, 2, at(6)))).toEqual([]);
      });

      it('shows a hidden read as the deliveries it implies, and the next shared read as covering it', async () => {
        const { c, ann, sender } = world;
        await apply(...[1, 2, 3, 4].map((s) => registered(c, s, [ann], sender)));
        await apply(delivered(c, 1, ann, at(1)));
        const hidden = await apply(read(c, ann, 2, at(5), { shared: false }));
        expect(hidden.filter((d) => d.kind !== 'cursor_moved')).toEqual([
          {
            kind: 'delivered',
            message: message(c, 2, sender, 1),
            recipientId: ann,
            deliveredAt: at(5),
          },
        ]);
        expect(hidden.at(-1)).toMatchObject({ kind: 'cursor_moved', shared: false });
        const shared = await apply(read(c, ann, 3, at(9)));
        expect(shared[0]).toMatchObject({
          kind: 'read',
          readAt: at(9),
          messages: [1, 2, 3].map((s) => message(c, s, sender, 1)),
        });
      });

      it('folds registrations, deliveries and reads of one batch in log order', async () => {
        const { c, ann, sender } = world;
        const deltas = await apply(
          registered(c, 1, [ann], sender),
          registered(c, 2, [ann], sender),
          delivered(c, 1, ann, at(1)),
          read(c, ann, 2, at(3), { shared: false }),
          registered(c, 3, [ann], sender),
        );
        expect(deltas.map((d) => [d.kind, 'message' in d ? d.message.sequence : null])).toEqual([
          ['message_registered', 1],
          ['message_registered', 2],
          ['delivered', 1],
          ['delivered', 2],
          ['cursor_moved', null],
          ['message_registered', 3],
        ]);
        // The read's counts as the log stood at it; the message registered after it counts later.
        expect(deltas[4]).toMatchObject({ cursor: { readUpTo: 2, unread: 0 }, totalUnread: 0 });
        expect(await store.findCursor(ann, c)).toMatchObject({ readUpTo: 2, unread: 1 });
        expect(await store.totalUnread(ann)).toBe(1);
      });

      it('tells each read its counts right after it, however the log is cut into batches', async () => {
        const { c, d, ann, sender } = world;
        const log = [
          registered(c, 1, [ann], sender),
          registered(c, 2, [ann], sender),
          registered(d, 1, [ann], sender),
          read(c, ann, 1, at(1)),
          registered(c, 3, [ann], sender),
          read(c, ann, 2, at(2)),
          read(d, ann, 1, at(3)),
          registered(c, 4, [ann], sender),
          read(c, ann, 4, at(4)),
        ];
        const counts = (deltas: readonly ReceiptDelta[]) =>
          deltas.flatMap((delta) =>
            delta.kind === 'cursor_moved'
              ? [
                  [
                    delta.cursor.conversationId,
                    delta.cursor.readUpTo,
                    delta.cursor.unread,
                    delta.totalUnread,
                  ],
                ]
              : [],
          );
        const expected = [
          [c, 1, 1, 2],
          [c, 2, 1, 2],
          [d, 1, 0, 1],
          [c, 4, 0, 0],
        ];
        expect(counts(await apply(...log))).toEqual(expected);
        const other = newWorld();
        const cut = [2, 4, 5, 8, 9];
        const again: ReceiptDelta[] = [];
        let from = 0;
        for (const to of cut) {
          const renamed = log
            .slice(from, to)
            .map(
              (change) =>
                JSON.parse(
                  JSON.stringify(change)
                    .replaceAll(c, other.c)
                    .replaceAll(d, other.d)
                    .replaceAll(ann, other.ann),
                ) as ReadModelChange,
            );
          again.push(...(await apply(...renamed)));
          from = to;
        }
        expect(counts(again)).toEqual(
          expected.map(([conversation, ...rest]) => [
            conversation === c ? other.c : other.d,
            ...rest,
          ]),
        );
      });

      it(`lists at most ${MAX_COVERED_PER_READ} messages per read, the first ones`, async () => {
        const { c, ann, sender } = world;
        const sequences = Array.from({ length: MAX_COVERED_PER_READ + 5 }, (_, i) => i + 1);
        await apply(...sequences.slice(0, 100).map((s) => registered(c, s, [ann], sender)));
        const deltas = await apply(
          ...sequences.slice(100).map((s) => registered(c, s, [ann], sender)),
          read(c, ann, sequences.length, at(4)),
        );
        const readDelta = deltas.find((d) => d.kind === 'read');
        expect(
          readDelta && 'messages' in readDelta && readDelta.messages.map((m) => m.sequence),
        ).toEqual(sequences.slice(0, MAX_COVERED_PER_READ));
        expect(deltas.at(-1)).toMatchObject({ cursor: { unread: 0 }, totalUnread: 0 });
      });
    });

    describe("feed: each user's changes, numbered", () => {
      const page = async (userId: string, after = 0) => store.feedPage(userId, after, 100);

      it('numbers the changes each user is told of 1, 2, 3... in log order, as their pushes tell them', async () => {
        const { c, ann, bob, sender } = world;
        await apply(registered(c, 1, [ann, bob], sender), registered(c, 2, [ann], bob));
        const { feed } = await applied(
          delivered(c, 1, ann, at(2)),
          read(c, ann, 2, at(3), { deviceId: 'phone' }),
          delivered(c, 1, bob, at(4)),
        );
        expect(feed.map((e) => [e.userId, e.position, e.change.type])).toEqual([
          [sender, 1, 'delivered'],
          [sender, 2, 'read'],
          [bob, 1, 'read'],
          [ann, 1, 'read_sync'],
          [sender, 3, 'delivered'],
        ]);
        expect(await page(sender)).toEqual({
          entries: feed.filter((e) => e.userId === sender),
          head: 3,
          firstKept: 1,
        });
        expect(await page(ann)).toEqual({
          entries: [
            {
              userId: ann,
              position: 1,
              deviceId: 'phone',
              change: {
                type: 'read_sync',
                conversationId: c,
                readUpToSequence: 2,
                unread: 0,
                totalUnread: 0,
              },
            },
          ],
          head: 1,
          firstKept: 1,
        });
        expect((await page(bob)).entries[0]?.change).toEqual({
          type: 'read',
          conversationId: c,
          readerId: ann,
          readUpToSequence: 2,
          readAt: at(3),
          messages: [{ messageId: 'm2', sequence: 2, recipientCount: 1 }],
        });
        expect((await page(sender, 1)).entries.map((e) => e.position)).toEqual([2, 3]);
        expect(await store.feedPage(sender, 0, 1)).toMatchObject({ entries: [{ position: 1 }] });
        expect(await page(world.cid)).toEqual({ entries: [], head: 0, firstKept: 1 });
      });

      it('tells senders of a hidden read only the deliveries it implies', async () => {
        const { c, ann, sender } = world;
        await apply(registered(c, 1, [ann], sender), registered(c, 2, [ann], sender));
        await apply(delivered(c, 1, ann, at(1)), read(c, ann, 2, at(5), { shared: false }));
        expect((await page(sender)).entries.map((e) => e.change)).toEqual([
          expect.objectContaining({
            type: 'delivered',
            message: expect.objectContaining({ sequence: 1 }) as unknown,
          }),
          expect.objectContaining({ type: 'delivered', deliveredAt: at(5) }),
        ]);
        expect((await page(ann)).entries.map((e) => e.change.type)).toEqual(['read_sync']);
      });

      it('writes nothing again when a batch is applied again', async () => {
        const { c, ann, sender } = world;
        const batch = [registered(c, 1, [ann], sender), delivered(c, 1, ann, at(1))];
        await store.apply(world.projection, batch, 3n);
        const { feed } = await store.apply(world.projection, batch, 3n);
        expect(feed).toEqual([]);
        expect((await page(sender)).head).toBe(1);
      });

      it('keeps the last entries of each user up to the retention, and says which is the first kept', async () => {
        const small = await open({ feedRetention: 3 });
        try {
          const { c, ann, bob, sender } = world;
          const sequences = [1, 2, 3, 4, 5];
          await small.store.apply(
            world.projection,
            sequences.map((s) => registered(c, s, [ann, bob], sender)),
            1n,
          );
          await small.store.apply(
            world.projection,
            sequences.map((s) => delivered(c, s, ann, at(s))),
            2n,
          );
          await small.store.apply(world.projection, [delivered(c, 1, bob, at(9))], 3n);
          const kept = await small.store.feedPage(sender, 0, 100);
          expect(kept.entries.map((e) => e.position)).toEqual([4, 5, 6]);
          expect(kept).toMatchObject({ head: 6, firstKept: 4 });
        } finally {
          await small.cleanup();
        }
      });
    });

    describe('exactly-once effect', () => {
      it('changes nothing when the same batch, or any change of it, is applied again', async () => {
        const batch = story(world.c, world);
        await store.apply(world.projection, batch, 10n);
        const once = await snapshot(store, world.c, world);
        await store.apply(world.projection, batch, 10n);
        for (const change of batch) await store.apply(world.projection, [change], 10n);
        expect(await snapshot(store, world.c, world)).toEqual(once);
        expect(await store.loadCheckpoint(world.projection)).toBe(10n);
      });

      it('ends as one clean pass would after overlapping redeliveries', async () => {
        const other = newWorld();
        const clean = story(other.c, other);
        await store.apply(other.projection, clean, 1n);

        const live = story(world.c, world);
        await apply(...live.slice(0, 5));
        await apply(...live.slice(2, 8));
        await apply(...live);
        expect(await snapshot(store, world.c, world)).toEqual(
          await snapshot(store, other.c, other),
        );
      });
    });

    describe('checkpoints', () => {
      it('commits the checkpoint with the batch and loads it back, per projection', async () => {
        const { c, ann, sender, projection } = world;
        const other = newWorld().projection;
        expect(await store.loadCheckpoint(projection)).toBeNull();
        await store.apply(projection, [registered(c, 1, [ann], sender)], 41n);
        expect(await store.loadCheckpoint(projection)).toBe(41n);
        await store.apply(projection, [], 2n ** 62n + 1n);
        expect(await store.loadCheckpoint(projection)).toBe(2n ** 62n + 1n);
        expect(await store.loadCheckpoint(other)).toBeNull();
        await store.storeCheckpoint(other, 7n);
        expect(await store.loadCheckpoint(other)).toBe(7n);
        expect(await store.loadCheckpoint(projection)).toBe(2n ** 62n + 1n);
      });

      it("reset drops the read models and the projection's checkpoint, and they rebuild the same", async () => {
        const { c, ann, projection } = world;
        const other = newWorld().projection;
        const changes = story(c, world);
        await store.apply(projection, changes, 5n);
        await store.storeCheckpoint(other, 9n);
        const before = await snapshot(store, c, world);

        await store.reset(projection);
        expect(await store.loadCheckpoint(projection)).toBeNull();
        expect(await store.loadCheckpoint(other)).toBe(9n);
        expect(await store.findMessage(c, 'm1')).toBeNull();
        expect(await store.messagesTo(c, ann, 0, 100, 100)).toEqual([]);
        expect(await store.recipientFacts(c, 1)).toEqual([]);
        expect(await store.findCursor(ann, c)).toBeNull();
        expect(await store.cursorsOf(ann)).toEqual([]);
        expect(await store.totalUnread(ann)).toBe(0);

        await store.apply(projection, changes, 5n);
        expect(await snapshot(store, c, world)).toEqual(before);
      });
    });

    describe('audit', () => {
      it('snapshot lists every document with the checkpoint, each model in primary key order', async () => {
        const { c, d, ann, bob, sender, projection } = world;
        await store.apply(projection, [registered(d, 1, [bob], sender), ...story(c, world)], 12n);
        const { checkpoint, documents } = await store.snapshot(projection);
        expect(checkpoint).toBe(12n);
        const own = <T extends { conversationId: string }>(list: readonly T[]) =>
          list.filter((x) => x.conversationId === c || x.conversationId === d);
        const messages = own(documents.messages);
        expect(messages.map((m) => [m.conversationId, m.sequence])).toEqual(
          [...messages.map((m) => [m.conversationId, m.sequence])].sort(byKey),
        );
        expect(messages).toContainEqual(await store.findMessage(c, 'm1'));
        const recipients = own(documents.recipients);
        expect(recipients.map((r) => [r.conversationId, r.sequence, r.userId])).toEqual(
          recipients.map((r) => [r.conversationId, r.sequence, r.userId]).sort(byKey),
        );
        expect(recipients.filter((r) => r.conversationId === c && r.sequence === 1)).toHaveLength(
          (await store.recipientFacts(c, 1)).length,
        );
        expect(own(documents.cursors)).toEqual(
          expect.arrayContaining([
            ...(await store.cursorsOf(ann)),
            ...(await store.cursorsOf(bob)),
          ]),
        );
        const steps = own(documents.steps);
        expect(steps.length).toBeGreaterThan(0);
        expect(steps.map((s) => [s.conversationId, s.userId, s.upTo])).toEqual(
          steps.map((s) => [s.conversationId, s.userId, s.upTo]).sort(byKey),
        );
        expect(documents.totals).toContainEqual({
          userId: bob,
          total: await store.totalUnread(bob),
        });
      });
    });

    describe('recountUnread', () => {
      it('finds nothing stale in models the projection wrote, and leaves them as they are', async () => {
        const { c, ann, bob, cid, sender } = world;
        for (const change of story(c, world)) await apply(change);
        const before = await snapshot(store, c, world);
        const keys = [ann, bob, cid, sender].map((userId) => ({ userId, conversationId: c }));
        expect(await store.recountUnread(keys)).toEqual([]);
        expect(await snapshot(store, c, world)).toEqual(before);
      });
    });

    describeProjectionControl(() => ({
      store,
      projection: world.projection,
      users: [world.c, world.sender, world.ann],
    }));

    describe('queries', () => {
      it('messagesTo returns the messages addressed to the user, fromExclusive < sequence <= toInclusive, in order, at most limit', async () => {
        const { c, d, ann, bob, sender } = world;
        await apply(
          ...[4, 1, 6, 2, 5, 3].map((s) => registered(c, s, s === 5 ? [bob] : [ann, bob], sender)),
        );
        await apply(registered(d, 3, [ann], sender), delivered(c, 2, ann, at(1)));
        const sequences = async (from: number, to: number, limit: number) =>
          (await store.messagesTo(c, ann, from, to, limit)).map((m) => m.sequence);
        expect(await sequences(1, 4, 10)).toEqual([2, 3, 4]);
        expect(await sequences(1, 4, 2)).toEqual([2, 3]);
        expect(await sequences(0, 100, 100)).toEqual([1, 2, 3, 4, 6]);
        expect(await sequences(4, 4, 10)).toEqual([]);
        expect(await sequences(6, 100, 10)).toEqual([]);
        expect(await sequences(0, 100, 0)).toEqual([]);
        expect((await store.messagesTo(c, bob, 4, 5, 10)).map((m) => m.sequence)).toEqual([5]);
        expect(await store.messagesTo(c, ann, 1, 2, 10)).toEqual([
          {
            conversationId: c,
            messageId: `m2`,
            sequence: 2,
            senderId: sender,
            sentAt: at(0),
            recipientCount: 2,
            deliveredAt: at(1),
          },
        ]);
        expect(await store.messagesTo(c, ann, 2, 3, 10)).toMatchObject([
          { sequence: 3, deliveredAt: null },
        ]);
        expect(await store.messagesTo(d, ann, 0, 100, 100)).toMatchObject([
          { conversationId: d, sequence: 3 },
        ]);
      });

      it("cursorsOf lists a user's cursors in conversation id order", async () => {
        const { ann, bob, sender, suffix } = world;
        const [a, b, z] = [`${suffix}-a`, `${suffix}-b`, `${suffix}-z`];
        await apply(registered(b, 1, [ann], sender), registered(z, 1, [ann, bob], sender));
        await apply(registered(a, 1, [ann], sender), registered(a, 2, [ann], sender));
        const cursors = await store.cursorsOf(ann);
        expect(cursors.map((cursor) => [cursor.conversationId, cursor.unread])).toEqual([
          [a, 2],
          [b, 1],
          [z, 1],
        ]);
        expect(await store.cursorsOf(`${suffix}-nobody`)).toEqual([]);
        expect(await store.findCursor(ann, `${suffix}-nowhere`)).toBeNull();
        expect(await store.totalUnread(`${suffix}-nobody`)).toBe(0);
      });
    });

    it('dates reads of many messages from the read step alone, even for a message registered later', async () => {
      const { c, ann, bob, cid, sender } = world;
      const group = [ann, bob, cid];
      const sequences = Array.from({ length: 50 }, (_, i) => i + 1);
      await apply(...sequences.filter((s) => s !== 25).map((s) => registered(c, s, group, sender)));
      await apply(read(c, ann, 50, at(30)));
      // Registered after the read: no row written at read time can know about it.
      await apply(registered(c, 25, group, sender));

      const readByAnn = {
        ...noFacts(ann),
        sharedRead: { at: at(30), deviceId: 'phone' },
        anyReadAt: at(30),
      };
      for (const sequence of sequences) {
        expect(await store.recipientFacts(c, sequence)).toEqual([
          readByAnn,
          noFacts(bob),
          noFacts(cid),
        ]);
      }
      expect(recipientReceipt(readByAnn)).toMatchObject({ status: 'read', deliveredAt: at(30) });
      expect(await store.findCursor(ann, c)).toMatchObject({ readUpTo: 50, unread: 0 });
      expect(await store.totalUnread(ann)).toBe(0);
      expect(await store.totalUnread(bob)).toBe(50);
    });
  });
};

type World = ReturnType<typeof newWorld>;

/** Keys compare part by part: text by code unit (ASCII ids: the stores' order), numbers by value. */
const byKey = (a: readonly (string | number)[], b: readonly (string | number)[]): number => {
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
};

/** Fresh names for one test, so tests never see each other's documents. */
const newWorld = () => {
  const suffix = randomUUID().slice(0, 8);
  return {
    suffix,
    projection: `conformance-${randomUUID()}`,
    c: `${suffix}-conv`,
    d: `${suffix}-other`,
    ann: `ann-${suffix}`,
    bob: `bob-${suffix}`,
    cid: `cid-${suffix}`,
    sender: `sender-${suffix}`,
  };
};

const at = (second: number): string => new Date(Date.UTC(2024, 4, 1, 12, 0, second)).toISOString();

const registered = (
  conversationId: string,
  sequence: number,
  recipientIds: readonly string[],
  senderId: string,
): ReadModelChange => ({
  kind: 'message_registered',
  conversationId,
  messageId: `m${sequence}`,
  sequence,
  senderId,
  sentAt: at(0),
  recipientIds,
});

const delivered = (
  conversationId: string,
  sequence: number,
  userId: string,
  deliveredAt: string,
  deviceId = 'phone',
): ReadModelChange => ({
  kind: 'message_delivered',
  conversationId,
  sequence,
  userId,
  deviceId,
  deliveredAt,
});

const read = (
  conversationId: string,
  userId: string,
  readUpToSequence: number,
  readAt: string,
  { shared = true, deviceId = 'phone' }: { shared?: boolean; deviceId?: string | null } = {},
): ReadModelChange => ({
  kind: 'cursor_moved',
  conversationId,
  userId,
  deviceId,
  readUpToSequence,
  receiptsShared: shared,
  readAt,
});

const noFacts = (userId: string) => ({
  userId,
  deliveredAt: null,
  deliveredDeviceId: null,
  sharedRead: null,
  anyReadAt: null,
});

/** A little of everything, in log order, for the replay tests. */
const story = (c: string, { ann, bob, cid, sender }: World): ReadModelChange[] => [
  registered(c, 1, [ann, bob, cid], sender),
  registered(c, 2, [ann, bob, cid], sender),
  delivered(c, 1, ann, at(3)),
  registered(c, 3, [bob, cid], ann),
  read(c, bob, 2, at(4)),
  delivered(c, 2, ann, at(5)),
  read(c, ann, 1, at(6), { shared: false }),
  delivered(c, 3, cid, at(7), 'laptop'),
  registered(c, 4, [ann, bob, cid], sender),
  read(c, cid, 4, at(8), { deviceId: null }),
];

/** Everything the queries say about one conversation, with user ids replaced by their role. */
const snapshot = async (store: ReadStore, c: string, world: World) => {
  const users = { ann: world.ann, bob: world.bob, cid: world.cid, sender: world.sender };
  const roleOf = (userId: string) =>
    Object.entries(users).find(([, id]) => id === userId)?.[0] ?? userId;
  const bySequence = new Map<number, MessageDocument>();
  for (const id of Object.values(users)) {
    for (const { deliveredAt: _, ...m } of await store.messagesTo(c, id, 0, 1000, 1000)) {
      bySequence.set(m.sequence, m);
    }
  }
  const withRoles = (value: unknown): unknown => {
    let text = JSON.stringify(value).replaceAll(c, 'conversation');
    for (const [role, id] of Object.entries(users)) text = text.replaceAll(id, role);
    return JSON.parse(text);
  };
  const messages = [...bySequence.values()].sort((a, b) => a.sequence - b.sequence);
  return {
    messages: messages.map(({ conversationId: _, senderId, ...m }) => ({
      ...m,
      sender: roleOf(senderId),
    })),
    facts: await Promise.all(
      messages.map(async (m) =>
        (await store.recipientFacts(c, m.sequence)).map(({ userId, ...f }) => ({
          user: roleOf(userId),
          ...f,
        })),
      ),
    ),
    counts: await Promise.all(
      messages.map(async (m) => {
        const counts = await store.recipientCounts(c, m.sequence);
        const facts = await store.recipientFacts(c, m.sequence);
        expect(counts).toEqual(countReceipts(facts.map(recipientReceipt)));
        return counts;
      }),
    ),
    users: await Promise.all(
      Object.entries(users).map(async ([role, id]) => {
        const cursor = await store.findCursor(id, c);
        const {
          userId: _,
          conversationId: __,
          ...rest
        } = cursor ?? { userId: '', conversationId: '' };
        const feed = await store.feedPage(id, 0, 1000);
        return {
          role,
          cursor: cursor && rest,
          total: await store.totalUnread(id),
          feed: withRoles(feed.entries.map(({ userId: ___, ...entry }) => entry)),
          head: feed.head,
        };
      }),
    ),
  };
};
