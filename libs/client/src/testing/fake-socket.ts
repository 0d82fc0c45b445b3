import type { AckFrame, AckFrameResult, ReceiptUpdate } from '@receipts/contracts';
import type { ReceiptsSocket } from '../receipts-socket';

type Frame = Readonly<{ frame: AckFrame; at: number }>;
type Responder = (frame: AckFrame) => AckFrameResult | 'no answer';

/**
 * The few parts of a Socket.IO socket the SDK uses, in memory and on the (fake) clock: frames
 * are recorded with their time and answered by `respond`; `drop` and `restore` the connection.
 */
export class FakeSocket {
  readonly frames: Frame[] = [];
  connected = false;
  respond: Responder = (frame) => ({
    ok: true,
    results: frame.items.map(() => ({ ok: true, applied: 1, duplicates: 0 })),
  });
  private readonly handlers = new Map<string, Set<(...args: unknown[]) => void>>();

  asSocket(): ReceiptsSocket {
    return this as unknown as ReceiptsSocket;
  }

  on(event: string, handler: (...args: unknown[]) => void): this {
    const set = this.handlers.get(event) ?? new Set();
    set.add(handler);
    this.handlers.set(event, set);
    return this;
  }

  off(event: string, handler: (...args: unknown[]) => void): this {
    this.handlers.get(event)?.delete(handler);
    return this;
  }

  connect(): this {
    this.connected = true;
    this.fire('connect');
    return this;
  }

  disconnect(): this {
    if (this.connected) {
      this.connected = false;
      this.fire('disconnect', 'io client disconnect');
    }
    return this;
  }

  push(updates: ReceiptUpdate[]): void {
    this.fire('receipts', updates);
  }

  timeout(ms: number) {
    return {
      emitWithAck: (_event: 'receipt:ack', frame: AckFrame): Promise<AckFrameResult> => {
        this.frames.push({ frame, at: Date.now() });
        const answer = this.respond(frame);
        return new Promise((resolve, reject) => {
          if (answer === 'no answer') setTimeout(() => reject(new Error('timed out')), ms);
          else setTimeout(() => resolve(answer), 1);
        });
      },
    };
  }

  private fire(event: string, ...args: unknown[]): void {
    for (const handler of [...(this.handlers.get(event) ?? [])]) handler(...args);
  }
}
