import { ReceiptSyncs, type SyncSocket } from './receipt-syncs';

const socket = () => {
  const rooms = new Set<string>();
  const s: SyncSocket & { rooms: Set<string> } = {
    rooms,
    join: (room) => rooms.add(room),
    leave: (room) => rooms.delete(room),
  };
  return s;
};

describe('ReceiptSyncs', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const syncs = () => new ReceiptSyncs({ maxPerDevice: 2, lingerMs: 60_000 });

  it("puts every socket of the device in a started conversation's room, and takes them out on stop", () => {
    const registry = syncs();
    const phone = socket();
    const phoneAgain = socket();
    registry.connected('ann', 'phone', phone);
    registry.connected('ann', 'phone', phoneAgain);
    expect(registry.start('ann', 'phone', 'c1')).toEqual(['c1']);
    expect([...phone.rooms, ...phoneAgain.rooms]).toEqual(['sync:ann:c1', 'sync:ann:c1']);
    expect(registry.stop('ann', 'phone', 'c1')).toEqual([]);
    expect([...phone.rooms, ...phoneAgain.rooms]).toEqual([]);
    expect(registry.stop('ann', 'phone', 'c1')).toEqual([]);
  });

  it('refuses a sync past the limit of the device with TOO_MANY_SYNCS, and changes nothing', () => {
    const registry = syncs();
    const phone = socket();
    registry.connected('ann', 'phone', phone);
    registry.start('ann', 'phone', 'c1');
    registry.start('ann', 'phone', 'c2');
    expect(registry.start('ann', 'phone', 'c2')).toEqual(['c1', 'c2']);
    let refusal: unknown;
    try {
      registry.start('ann', 'phone', 'c3');
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toMatchObject({ code: 'TOO_MANY_SYNCS', details: { limit: 2 } });
    expect(phone.rooms.has('sync:ann:c3')).toBe(false);
    expect(registry.start('ann', 'laptop', 'c3')).toEqual(['c3']);
  });

  it('keeps the syncs of a device for a minute after its last socket, and puts a new socket back in them', () => {
    const registry = syncs();
    registry.connected('ann', 'phone', socket());
    const gone = socket();
    registry.connected('ann', 'phone', gone);
    registry.start('ann', 'phone', 'c1');
    registry.disconnected('ann', 'phone', gone);
    registry.disconnected('ann', 'phone', socket());
    jest.advanceTimersByTime(59_000);
    const back = socket();
    registry.connected('ann', 'phone', back);
    expect([...back.rooms]).toEqual(['sync:ann:c1']);
    expect(registry.syncing('ann', 'phone')).toEqual(['c1']);
  });

  it('stops the syncs of a device by themselves a minute after its last socket closed', () => {
    const registry = syncs();
    const phone = socket();
    registry.connected('ann', 'phone', phone);
    registry.start('ann', 'phone', 'c1');
    registry.disconnected('ann', 'phone', phone);
    jest.advanceTimersByTime(60_000);
    expect(registry.syncing('ann', 'phone')).toEqual([]);
    const back = socket();
    registry.connected('ann', 'phone', back);
    expect([...back.rooms]).toEqual([]);
  });
});
