import { syncRoom } from '@receipts/contracts';
import { ReceiptError } from '@receipts/domain';

/** The part of a socket a sync needs: its rooms. */
export type SyncSocket = Readonly<{
  join(room: string): unknown;
  leave(room: string): unknown;
}>;

export type ReceiptSyncsOptions = Readonly<{
  /** Syncs one device may hold at once (TOO_MANY_SYNCS past it). */
  maxPerDevice: number;
  /** How long a device's syncs outlive its last socket on this node. */
  lingerMs: number;
}>;

type DeviceSyncs = {
  readonly userId: string;
  readonly conversations: Set<string>;
  readonly sockets: Set<SyncSocket>;
  expiry: NodeJS.Timeout | null;
};

/**
 * Which conversations each device syncs, on this node: the device's sockets are in the sync
 * rooms of those conversations. A device's syncs outlive its last socket by `lingerMs`, so a
 * socket it opens again in time is put back in their rooms; after that they stop by themselves
 * and the device starts them again.
 */
export class ReceiptSyncs {
  private readonly devices = new Map<string, DeviceSyncs>();

  constructor(private readonly options: ReceiptSyncsOptions) {}

  /** A device's socket connected: it joins whatever the device still syncs. */
  connected(userId: string, deviceId: string, socket: SyncSocket): void {
    const device = this.device(userId, deviceId);
    if (device.expiry) clearTimeout(device.expiry);
    device.expiry = null;
    device.sockets.add(socket);
    for (const conversationId of device.conversations)
      socket.join(syncRoom(userId, conversationId));
  }

  disconnected(userId: string, deviceId: string, socket: SyncSocket): void {
    const key = deviceKey(userId, deviceId);
    const device = this.devices.get(key);
    if (!device) return;
    device.sockets.delete(socket);
    if (device.sockets.size > 0) return;
    if (device.conversations.size === 0 || this.options.lingerMs === 0) {
      this.devices.delete(key);
      return;
    }
    device.expiry = setTimeout(() => this.devices.delete(key), this.options.lingerMs);
    device.expiry.unref();
  }

  /** Idempotent; a new sync past the device's limit is TOO_MANY_SYNCS and changes nothing. */
  start(userId: string, deviceId: string, conversationId: string): string[] {
    const device = this.device(userId, deviceId);
    if (!device.conversations.has(conversationId)) {
      const limit = this.options.maxPerDevice;
      if (device.conversations.size >= limit) {
        throw new ReceiptError(
          'TOO_MANY_SYNCS',
          `A device syncs at most ${limit} conversations at once: stop one first`,
          { limit },
        );
      }
      device.conversations.add(conversationId);
      for (const socket of device.sockets) socket.join(syncRoom(userId, conversationId));
    }
    return [...device.conversations];
  }

  /** Idempotent: stopping a conversation that is not synced changes nothing. */
  stop(userId: string, deviceId: string, conversationId: string): string[] {
    const device = this.devices.get(deviceKey(userId, deviceId));
    if (!device) return [];
    if (device.conversations.delete(conversationId)) {
      for (const socket of device.sockets) socket.leave(syncRoom(userId, conversationId));
    }
    return [...device.conversations];
  }

  syncing(userId: string, deviceId: string): string[] {
    return [...(this.devices.get(deviceKey(userId, deviceId))?.conversations ?? [])];
  }

  private device(userId: string, deviceId: string): DeviceSyncs {
    const key = deviceKey(userId, deviceId);
    let device = this.devices.get(key);
    if (!device) {
      device = { userId, conversations: new Set(), sockets: new Set(), expiry: null };
      this.devices.set(key, device);
    }
    return device;
  }
}

const deviceKey = (userId: string, deviceId: string): string => `${userId}\u0000${deviceId}`;
