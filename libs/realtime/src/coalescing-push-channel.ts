import {
  type ReceiptUpdate,
  type ServerToClientEvents,
  deviceRoom,
  userRoom,
} from '@receipts/contracts';
import type { PushChannel, PushTarget } from './push-channel';

/** The part of a Socket.IO server, namespace or Redis emitter that pushes need. */
export type RoomEmitter = {
  to(room: string): RoomEmitter;
  except(room: string): RoomEmitter;
  emit<E extends keyof ServerToClientEvents>(
    event: E,
    ...args: Parameters<ServerToClientEvents[E]>
  ): unknown;
};

/**
 * Collects updates per target for a short window and sends each target one `receipts` frame
 * holding all of them, instead of one frame per message.
 */
export class CoalescingPushChannel implements PushChannel {
  private readonly pending = new Map<string, { target: PushTarget; updates: ReceiptUpdate[] }>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly emitter: RoomEmitter,
    private readonly windowMs = 20,
    private readonly onFrame: (updates: number) => void = () => undefined,
  ) {}

  push(target: PushTarget, update: ReceiptUpdate): void {
    const key = `${target.userId}\u0000${target.exceptDeviceId ?? ''}`;
    const entry = this.pending.get(key);
    if (entry) entry.updates.push(update);
    else this.pending.set(key, { target, updates: [update] });
    this.timer ??= setTimeout(() => this.flush(), this.windowMs);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const frames = [...this.pending.values()];
    this.pending.clear();
    for (const { target, updates } of frames) {
      let room = this.emitter.to(userRoom(target.userId));
      if (target.exceptDeviceId)
        room = room.except(deviceRoom(target.userId, target.exceptDeviceId));
      room.emit('receipts', updates);
      this.onFrame(updates.length);
    }
  }
}
