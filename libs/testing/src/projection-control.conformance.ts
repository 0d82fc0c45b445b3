import type { ReadModelChange } from '@receipts/read-models';
import type { ParkedEvent, ReadStore, RebuildLease } from '@receipts/read-store';

type Context = Readonly<{ store: ReadStore; projection: string; users: readonly string[] }>;

/**
 * The ProjectionControlStore part of the ReadStore port: registered inside the read-store
 * conformance suite, so every adapter answers to it. `context` is read in each test.
 */
export const describeProjectionControl = (context: () => Context): void => {
  describe('projection control', () => {
    const now = new Date(Date.UTC(2024, 4, 1, 12));

    it('starts running with no error and no rebuild, and keeps what operators set', async () => {
      const { store, projection } = context();
      expect(await store.loadControl(projection)).toEqual({
        projection,
        state: 'running',
        lastError: null,
        lastErrorAt: null,
        updatedAt: null,
        rebuild: null,
      });
      await store.setState(projection, 'paused', now);
      await store.recordError(projection, 'disk I/O error', now);
      expect(await store.loadControl(projection)).toMatchObject({
        state: 'paused',
        updatedAt: now.toISOString(),
        lastError: 'disk I/O error',
        lastErrorAt: now.toISOString(),
      });
      await store.setState(projection, 'running', now);
      expect((await store.loadControl(projection)).state).toBe('running');
    });

    it('hands the rebuild lease to one holder at a time, and to whoever replaces a stale one', async () => {
      const { store, projection } = context();
      const first = lease('first');
      expect(await store.claimRebuild(projection, first, null)).toBe(true);
      expect(await store.claimRebuild(projection, lease('second'), null)).toBe(false);
      expect((await store.loadControl(projection)).rebuild).toEqual(first);
      const switching: RebuildLease = { ...first, phase: 'switching' };
      expect(await store.renewRebuild(projection, switching)).toBe(true);
      expect((await store.loadControl(projection)).rebuild).toEqual(switching);
      expect(await store.claimRebuild(projection, lease('third'), 'first')).toBe(true);
      expect(await store.renewRebuild(projection, first)).toBe(false);
      await store.releaseRebuild(projection, 'first');
      expect((await store.loadControl(projection)).rebuild?.owner).toBe('third');
      await store.releaseRebuild(projection, 'third');
      expect((await store.loadControl(projection)).rebuild).toBeNull();
    });

    it('keeps parked events in log order, once each', async () => {
      const { store, projection } = context();
      await store.park(projection, parked(9n));
      await store.park(projection, parked(3n));
      await store.park(projection, { ...parked(9n), reason: 'again' });
      expect(await store.parkedEvents(projection)).toEqual([
        parked(3n),
        { ...parked(9n), reason: 'again' },
      ]);
      expect(await store.countParked(projection)).toBe(2);
      expect(await store.countParked(`${projection}-other`)).toBe(0);
    });

    it('applies a parked event once, removes it, and leaves the checkpoint where it stands', async () => {
      const { store, projection, users } = context();
      const [c, sender, ann] = users as [string, string, string];
      const change: ReadModelChange = {
        kind: 'message_registered',
        conversationId: c,
        messageId: 'm1',
        sequence: 1,
        senderId: sender,
        sentAt: now.toISOString(),
        recipientIds: [ann],
      };
      await store.apply(projection, [], 10n);
      await store.park(projection, parked(4n));
      const deltas = await store.applyParked(projection, 4n, [change]);
      expect(deltas.map((d) => d.kind)).toEqual(['message_registered']);
      expect(await store.applyParked(projection, 4n, [change])).toEqual([]);
      expect(await store.totalUnread(ann)).toBe(1);
      expect(await store.parkedEvents(projection)).toEqual([]);
      expect(await store.loadCheckpoint(projection)).toBe(10n);
    });
  });
};

const lease = (owner: string): RebuildLease => ({
  owner,
  host: 'host-a',
  pid: 42,
  phase: 'replaying',
  startedAt: '2024-05-01T12:00:00.000Z',
  heartbeatAt: '2024-05-01T12:00:01.000Z',
});

const parked = (position: bigint): ParkedEvent => ({
  position,
  eventId: `event-${position}`,
  type: 'message_sent',
  stream: 'conversation-c1',
  revision: position * 2n,
  schemaVersion: 99,
  reason: 'Unsupported schema version 99 of message_sent',
  parkedAt: '2024-05-01T12:00:00.000Z',
});
