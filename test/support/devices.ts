import { ReceiptsClient } from '@receipts/client';
import type { AckResult, FeedUpdate } from '@receipts/contracts';
import { eventually } from './wait';

/**
 * A real socket.io-client device that records every `receipts` frame it is pushed: the updates
 * to apply, and apart from them every feed position it was told of (its own reads' too).
 */
export class Device {
  readonly client: ReceiptsClient;
  readonly updates: FeedUpdate[] = [];
  readonly frames: FeedUpdate[][] = [];
  readonly positions: number[] = [];

  constructor(
    readonly url: string,
    readonly userId: string,
    readonly deviceId: string,
  ) {
    this.client = new ReceiptsClient({
      url,
      userId,
      deviceId,
      batchWindowMs: 5,
      ackTimeoutMs: 5000,
      refreshOnConnect: false,
      // Raw pushes as they come, and the whole frame budget for the frames a test sends.
      catchUp: false,
    });
    this.client.on('receipts', (frame) => {
      this.positions.push(...frame.map((u) => u.position));
      const updates = frame.filter((u): u is FeedUpdate => u.type !== 'position');
      if (updates.length === 0) return;
      this.frames.push(updates);
      this.updates.push(...updates);
    });
  }

  get name(): string {
    return `${this.userId}/${this.deviceId}`;
  }

  /** Waits until an update matching `match` arrived; fails naming the device and what it got. */
  async waitFor<T extends FeedUpdate['type']>(
    type: T,
    match: (update: Extract<FeedUpdate, { type: T }>) => boolean,
    timeoutMs = 3000,
  ): Promise<Extract<FeedUpdate, { type: T }>> {
    return eventually(
      `a '${type}' push on ${this.name}`,
      () => {
        const found = this.updates.find(
          (u): u is Extract<FeedUpdate, { type: T }> =>
            u.type === type && match(u as Extract<FeedUpdate, { type: T }>),
        );
        if (!found) throw new Error(`${this.name} received: ${JSON.stringify(this.updates)}`);
        return found;
      },
      { timeoutMs, intervalMs: 5 },
    );
  }

  of<T extends FeedUpdate['type']>(
    type: T,
    conversationId?: string,
  ): Array<Extract<FeedUpdate, { type: T }>> {
    return this.updates.filter(
      (u): u is Extract<FeedUpdate, { type: T }> =>
        u.type === type && (conversationId === undefined || u.conversationId === conversationId),
    );
  }

  /** Emits a raw event over the socket (bypassing the SDK's validation and batch splitting). */
  raw(event: string, payload: unknown, timeoutMs = 5000): Promise<AckResult> {
    const socket = this.client.socket.timeout(timeoutMs) as unknown as {
      emitWithAck: (event: string, payload: unknown) => Promise<AckResult>;
    };
    return socket.emitWithAck(event, payload);
  }

  close(): void {
    this.client.close();
  }
}

export const connectDevice = async (
  url: string,
  userId: string,
  deviceId: string,
): Promise<Device> => {
  const device = new Device(url, userId, deviceId);
  await device.client.connect();
  return device;
};

export const expectOk = (result: AckResult, applied?: number): void => {
  if (!result.ok) throw new Error(`expected ok ACK answer, got ${JSON.stringify(result)}`);
  if (applied !== undefined && result.applied !== applied) {
    throw new Error(`expected applied ${applied}, got ${JSON.stringify(result)}`);
  }
};

/** The devices one test opens, all closed after it (`closeAll` in `afterEach`). */
export const devicePool = (url: () => string) => {
  const open: Device[] = [];
  return {
    device: async (userId: string, deviceId: string): Promise<Device> => {
      const d = await connectDevice(url(), userId, deviceId);
      open.push(d);
      return d;
    },
    closeAll: (): void => {
      while (open.length > 0) open.pop()!.close();
    },
  };
};

/** Ids unique within a run, so that counts in one test never depend on another. */
export const uniqueIds = (): ((prefix: string) => string) => {
  let seq = 0;
  return (prefix) => `${prefix}-${++seq}-${Date.now().toString(36)}`;
};
