import type { RateLimit } from './rate-limit';
import { rateLimited } from './rate-limit';

type Device = Readonly<{ userId: string; deviceId: string }>;

/**
 * Socket ACK frames, counted per device and per user (all of a user's devices share one budget).
 * A frame over either budget is refused before it is parsed.
 */
export class FrameLimit {
  constructor(
    private readonly perDevice: RateLimit,
    private readonly perUser: RateLimit,
  ) {}

  /** Resolves when the frame may be handled; rejects with RATE_LIMITED otherwise. */
  async admit({ userId, deviceId }: Device): Promise<void> {
    const [device, user] = await Promise.all([
      this.perDevice.take(`${userId}:${deviceId}`),
      this.perUser.take(userId),
    ]);
    if (!device.admitted) throw rateLimited('device', device.retryAfterMs);
    if (!user.admitted) throw rateLimited('user', user.retryAfterMs);
  }
}
