import {
  type ProgressUpdate,
  type ReceiptUpdate,
  type ServerToClientEvents,
  deviceRoom,
  syncRoom,
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

type Pending = { exceptDeviceId: string | null; update: ReceiptUpdate };

/**
 * Collects each user's updates for a short window and sends them in as few `receipts` frames as
 * keep them in order: one per run of updates for the same devices (usually one per user). The
 * device left out of a run (its own read) gets a `position` update for each update it did not
 * get, so every device sees its user's feed positions without gaps.
 */
export class CoalescingPushChannel implements PushChannel {
  private readonly pending = new Map<string, Pending[]>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly emitter: RoomEmitter,
    private readonly windowMs = 20,
    private readonly onFrame: (updates: number) => void = () => undefined,
  ) {}

  push(target: PushTarget, update: ReceiptUpdate): void {
    const entry = { exceptDeviceId: target.exceptDeviceId ?? null, update };
    const own = this.pending.get(target.userId);
    if (own) own.push(entry);
    else this.pending.set(target.userId, [entry]);
    this.timer ??= setTimeout(() => this.flush(), this.windowMs);
  }

  progress(userId: string, conversationId: string, updates: ProgressUpdate[]): void {
    this.emitter.to(syncRoom(userId, conversationId)).emit('receipt:progress', updates);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const users = [...this.pending];
    this.pending.clear();
    for (const [userId, updates] of users) {
      for (const run of runs(updates)) this.send(userId, run);
    }
  }

  private send(userId: string, { exceptDeviceId, updates }: Run): void {
    let room = this.emitter.to(userRoom(userId));
    if (exceptDeviceId) {
      room = room.except(deviceRoom(userId, exceptDeviceId));
      this.emitter.to(deviceRoom(userId, exceptDeviceId)).emit(
        'receipts',
        updates.map(({ position }) => ({ type: 'position', position })),
      );
    }
    room.emit('receipts', updates);
    this.onFrame(updates.length);
  }
}

type Run = { exceptDeviceId: string | null; updates: ReceiptUpdate[] };

/** Consecutive updates for the same devices, in the order they came. */
const runs = (pending: readonly Pending[]): Run[] => {
  const out: Run[] = [];
  for (const { exceptDeviceId, update } of pending) {
    const last = out.at(-1);
    if (last && last.exceptDeviceId === exceptDeviceId) last.updates.push(update);
    else out.push({ exceptDeviceId, updates: [update] });
  }
  return out;
};
