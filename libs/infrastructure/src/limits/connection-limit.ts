import { ReceiptError } from '@receipts/domain';

type Device = Readonly<{ userId: string; deviceId: string }>;

/**
 * Open sockets per user and per device on this node. A connection over either limit is refused;
 * an accepted one holds its places until its release (on disconnect).
 */
export class ConnectionLimit {
  private readonly open = new Map<string, number>();

  constructor(
    private readonly perUser: number,
    private readonly perDevice: number,
  ) {}

  acquire({ userId, deviceId }: Device): () => void {
    const userKey = `u:${userId}`;
    const deviceKey = `d:${userId}:${deviceId}`;
    if (this.count(deviceKey) >= this.perDevice) throw tooMany('device', this.perDevice);
    if (this.count(userKey) >= this.perUser) throw tooMany('user', this.perUser);
    this.add(userKey, 1);
    this.add(deviceKey, 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.add(userKey, -1);
      this.add(deviceKey, -1);
    };
  }

  private count(key: string): number {
    return this.open.get(key) ?? 0;
  }

  private add(key: string, change: number): void {
    const next = this.count(key) + change;
    if (next <= 0) this.open.delete(key);
    else this.open.set(key, next);
  }
}

const tooMany = (scope: 'user' | 'device', limit: number): ReceiptError =>
  new ReceiptError(
    'TOO_MANY_CONNECTIONS',
    `Too many open sockets for this ${scope}: close one before opening another`,
    { scope, limit },
  );
