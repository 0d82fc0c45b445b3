import type { Socket } from 'socket.io-client';
import {
  type AckFrameResult,
  type AckItem,
  type AckResult,
  type ClientToServerEvents,
  MAX_ACK_ITEMS,
  type ServerToClientEvents,
} from '@receipts/contracts';
import type { AckShape } from './protocol';
import type { Recorder } from './recorder';

/** One ACK a device has queued: its item, since when, and what to do when it goes out and is answered. */
export type QueuedAck = {
  item: AckItem;
  queuedAt: number;
  /** Called once, when the item first goes out: latencies are measured from here. */
  onEmit: (t0: number) => void;
  /** Called once with the final answer (after retries of retryable answers). */
  onAnswer: (result: AckResult, t0: number) => void;
};

type Sent = { ack: QueuedAck; t0: number };

/** Like the SDK: retryable answers (NOT_YET_REGISTERED, no answer) are sent again, for at most 30 s. */
const RETRY_DELAY_MS = 200;
const RETRY_FOR_MS = 30_000;

const NO_ANSWER: AckResult = {
  ok: false,
  error: { code: 'TIMEOUT', message: 'no answer', retryable: true },
};

/**
 * Sends a device's queued ACKs: as `receipt:ack` frames of at most MAX_ACK_ITEMS items (the
 * batching shape), or each as its own `receipt:delivered` / `receipt:read` event (the single shape).
 */
export class AckSender {
  constructor(
    private readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>,
    private readonly recorder: Recorder,
    private readonly timeoutMs: number,
  ) {}

  send(acks: readonly QueuedAck[], shape: AckShape): void {
    const t0 = performance.now();
    for (const ack of acks) ack.onEmit(t0);
    this.recorder.frameSent(
      t0,
      acks.map((a) => a.queuedAt),
    );
    this.attempt(
      acks.map((ack) => ({ ack, t0 })),
      shape,
      t0 + RETRY_FOR_MS,
    );
  }

  private attempt(sent: readonly Sent[], shape: AckShape, deadline: number): void {
    const frames =
      shape === 'frame' ? chunks(sent, MAX_ACK_ITEMS) : sent.map((one) => [one] as const);
    for (const frame of frames) {
      void this.emit(
        frame.map((s) => s.ack.item),
        shape,
      ).then((results) => {
        this.recorder.frameAnswered(frame.length);
        const retry: Sent[] = [];
        frame.forEach((s, i) => {
          const result = results[i] ?? NO_ANSWER;
          const retryable = !result.ok && result.error.retryable;
          if (retryable && performance.now() < deadline) retry.push(s);
          else s.ack.onAnswer(result, s.t0);
        });
        if (retry.length > 0)
          setTimeout(() => this.attempt(retry, shape, deadline), RETRY_DELAY_MS);
      });
    }
  }

  private async emit(items: readonly AckItem[], shape: AckShape): Promise<AckResult[]> {
    const socket = this.socket.timeout(this.timeoutMs);
    try {
      if (shape === 'frame') {
        // The timeout-decorated socket loses this event's answer type (the SDK casts it too).
        const answer = (await socket.emitWithAck('receipt:ack', {
          items: [...items],
        })) as AckFrameResult;
        return answer.ok ? answer.results : items.map(() => ({ ok: false, error: answer.error }));
      }
      return await Promise.all(items.map((item) => this.emitSingle(item)));
    } catch {
      return items.map(() => NO_ANSWER);
    }
  }

  private emitSingle(item: AckItem): Promise<AckResult> {
    const socket = this.socket.timeout(this.timeoutMs);
    const { conversationId } = item;
    switch (item.type) {
      case 'delivered':
        return socket.emitWithAck('receipt:delivered', {
          conversationId,
          messageIds: item.messageIds,
        });
      case 'delivered_up_to':
        return socket.emitWithAck('receipt:delivered', {
          conversationId,
          upToSequence: item.upToSequence,
        });
      case 'read':
        return socket.emitWithAck('receipt:read', {
          conversationId,
          upToSequence: item.upToSequence,
        });
    }
  }
}

const chunks = <T>(items: readonly T[], size: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};
