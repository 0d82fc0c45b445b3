import { randomUUID } from 'node:crypto';
import { ProjectionAudit } from '@receipts/application';
import type { DomainEvent } from '@receipts/domain';
import { projectEvent } from '@receipts/read-models';
import { type ReadModelPatch, emptyDocuments } from '@receipts/read-store';
import { conversationRead, messageDelivered, messageSent } from './fixtures';
import type { OpenedReadStore } from './read-store.conformance';
import { recordedLog } from './recorded-log';

const at = (minute: number): string => new Date(Date.UTC(2024, 4, 1, 12, minute)).toISOString();

/** Two conversations: deliveries, shared and hidden reads, a message registered after a read. */
const history = (c: string, d: string): DomainEvent[] => [
  messageSent({ conversationId: c, sequence: 1, messageId: 'm1', sentAt: at(0) }),
  messageSent({ conversationId: c, sequence: 2, messageId: 'm2', sentAt: at(1) }),
  messageSent({ conversationId: c, sequence: 3, messageId: 'm3', sentAt: at(2) }),
  messageDelivered({ conversationId: c, sequences: [1, 2], deliveredAt: at(3) }),
  conversationRead({ conversationId: c, readUpToSequence: 2, readAt: at(4) }),
  conversationRead({
    conversationId: c,
    userId: 'carol',
    readUpToSequence: 1,
    receiptsShared: false,
    readAt: at(5),
  }),
  messageSent({ conversationId: d, sequence: 1, messageId: 'm1', recipientIds: ['bob'] }),
  messageSent({ conversationId: c, sequence: 4, messageId: 'm4', sentAt: at(6) }),
  // Beyond the live checkpoint in the tests below: a replay must stop before them.
  conversationRead({ conversationId: c, readUpToSequence: 4, previousReadUpToSequence: 2 }),
  messageSent({ conversationId: d, sequence: 2, messageId: 'm2', recipientIds: ['bob'] }),
];
const LIVE_EVENTS = 8;

const patch = (
  put: Partial<ReadModelPatch['put']>,
  remove: Partial<ReadModelPatch['remove']> = {},
) => ({
  put: { ...emptyDocuments(), ...put },
  remove: { ...emptyDocuments(), ...remove },
});

/**
 * Verify and repair against every read-store adapter: the live store is projected part of the
 * way along a log, drift of every kind is planted through the store's own patch, and the audit
 * finds each document, repairs exactly those, and verifies clean afterwards.
 */
export const describeDriftRepairConformance = (
  adapterName: string,
  open: () => Promise<OpenedReadStore>,
): void => {
  describe(`Drift verify and repair: ${adapterName}`, () => {
    let opened: OpenedReadStore;
    let projection: string;
    let c: string;
    let d: string;
    let log: ReturnType<typeof recordedLog>;

    beforeEach(async () => {
      opened = await open();
      projection = `p-${randomUUID().slice(0, 8)}`;
      c = `c-${randomUUID().slice(0, 8)}`;
      d = `d-${randomUUID().slice(0, 8)}`;
      const events = history(c, d);
      log = recordedLog(events);
      // As the runner would: batches of three, each with its checkpoint.
      for (let i = 0; i < LIVE_EVENTS; i += 3) {
        const batch = events.slice(i, Math.min(i + 3, LIVE_EVENTS));
        const last = BigInt(Math.min(i + 3, LIVE_EVENTS));
        await opened.store.apply(projection, batch.flatMap(projectEvent), last);
      }
    });
    afterEach(() => opened.cleanup());

    const audit = () => new ProjectionAudit(log, opened.store, projection, { batchSize: 4 });

    it('finds nothing when the live read models equal a replay up to their checkpoint', async () => {
      const verification = await audit().verify();
      expect(verification.checkpoint).toBe(BigInt(LIVE_EVENTS));
      expect(verification.events).toBe(LIVE_EVENTS);
      expect(verification.drifted).toEqual([]);
      expect(verification.documents).toBeGreaterThan(0);
    });

    it('finds planted drift of every kind, repairs exactly it, and verifies clean afterwards', async () => {
      const { store } = opened;
      const live = (await store.snapshot(projection)).documents;
      const bobInC = live.cursors.find((x) => x.userId === 'bob' && x.conversationId === c)!;
      const carolInC = live.cursors.find((x) => x.userId === 'carol' && x.conversationId === c)!;
      const bobTotal = live.totals.find((x) => x.userId === 'bob')!;
      const m2 = live.messages.find((x) => x.conversationId === c && x.sequence === 2)!;
      const carolM3 = live.recipients.find(
        (x) => x.conversationId === c && x.sequence === 3 && x.userId === 'carol',
      )!;
      const bobStep = live.steps.find((x) => x.conversationId === c && x.userId === 'bob')!;
      const planted = await store.patch(
        projection,
        BigInt(LIVE_EVENTS),
        patch(
          {
            // an extra document
            messages: [
              { ...m2, sequence: 99, messageId: 'ghost' },
              // a wrong count
              { ...m2, recipientCount: 7 },
            ],
            // a stale cursor (and the unread count it would carry)
            cursors: [{ ...carolInC, readUpTo: 0, unread: carolInC.unread + 1 }, bobInC],
            // a wrong unread total
            totals: [{ ...bobTotal, total: bobTotal.total + 5 }],
          },
          // a missing document, a missing read step
          { recipients: [carolM3], steps: [bobStep] },
        ),
        {
          projection,
          repairedAt: at(30),
          operator: 'planted',
          checkpoint: BigInt(LIVE_EVENTS),
          documents: {},
        },
      );
      expect(planted).toBe(true);

      const found = await audit().verify();
      const summary = found.drifted.map(
        (x) => `${x.model} ${x.kind} ${x.key} ${x.fields.join(',')}`,
      );
      expect(summary.sort()).toEqual(
        [
          `messages differs ${c}/2 recipientCount`,
          `messages extra ${c}/99 `,
          `recipients missing ${c}/3/carol `,
          `cursors differs carol/${c} readUpTo,unread`,
          `steps missing ${c}/bob/2 `,
          `totals differs bob total`,
        ].sort(),
      );

      const repair = await audit().repair('test-operator', () => new Date(at(40)));
      expect(repair.verification.drifted).toHaveLength(6);
      expect(repair.after.drifted).toEqual([]);
      expect(repair.record).toEqual({
        projection,
        repairedAt: at(40),
        operator: 'test-operator',
        checkpoint: BigInt(LIVE_EVENTS),
        documents: {
          messages: 2,
          recipient_receipts: 1,
          read_cursors: 1,
          read_steps: 1,
          user_unread: 1,
        },
      });
      expect((await audit().verify()).drifted).toEqual([]);
      expect((await store.snapshot(projection)).documents).toEqual(live);
      const records = await store.driftRepairs();
      expect(records.filter((r) => r.projection === projection).map((r) => r.operator)).toEqual([
        'planted',
        'test-operator',
      ]);
    });

    it('writes nothing when the checkpoint moved since the verify a patch is based on', async () => {
      const { store } = opened;
      const before = await store.snapshot(projection);
      const written = await store.patch(
        projection,
        BigInt(LIVE_EVENTS - 1),
        patch({ totals: [{ userId: 'bob', total: 1000 }] }),
        {
          projection,
          repairedAt: at(30),
          operator: 'late',
          checkpoint: 7n,
          documents: { user_unread: 1 },
        },
      );
      expect(written).toBe(false);
      expect(await store.snapshot(projection)).toEqual(before);
      expect((await store.driftRepairs()).filter((r) => r.projection === projection)).toEqual([]);
    });

    it('repairs at the checkpoint it finds when the projection moved on during the verify', async () => {
      const { store } = opened;
      await store.patch(
        projection,
        BigInt(LIVE_EVENTS),
        patch({ totals: [{ userId: 'carol', total: 9 }] }),
        { projection, repairedAt: at(30), operator: 'planted', checkpoint: null, documents: {} },
      );
      const moving = audit();
      await moving.verify();
      const rest = history(c, d).slice(LIVE_EVENTS);
      await store.apply(projection, rest.flatMap(projectEvent), BigInt(LIVE_EVENTS + rest.length));
      const repair = await moving.repair('test-operator', () => new Date(at(40)));
      expect(repair.verification.checkpoint).toBe(BigInt(LIVE_EVENTS + rest.length));
      expect(repair.verification.drifted.map((x) => `${x.model} ${x.key}`)).toEqual([
        'totals carol',
      ]);
      expect(repair.after.drifted).toEqual([]);
    });
  });
};
