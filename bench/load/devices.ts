import { ReceiptsClient } from '@receipts/client';
import { type AckItem, type AckResult, MAX_DELIVERED_BATCH } from '@receipts/contracts';
import { AckSender, type QueuedAck } from './ack-sender';
import type { AckShape } from './protocol';
import type { Recorder } from './recorder';
import type { User } from './universe';

/** Shared by every device of a load process; the orchestrator sets the window phase by phase. */
export type AckSettings = { windowMs: number; shape: AckShape };

type Deliveries = { messages: Array<[string, number]>; upTo: number; queuedAt: number };

/**
 * One connected device. It batches like the SDK: the first receipt it owes opens a window of
 * `windowMs`; at its end everything owed goes out together, delivered ids per conversation (or,
 * for users set to it, a cumulative `upToSequence`) and read cursors, in one `receipt:ack` frame.
 * In the single shape each conversation's delivered batch is its own event and reads go at once.
 */
export class Device {
  private readonly client: ReceiptsClient;
  private readonly sender: AckSender;
  private readonly deliveries = new Map<string, Deliveries>();
  private readonly reads: QueuedAck[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    url: string,
    readonly user: User,
    readonly deviceId: string,
    private readonly recorder: Recorder,
    private readonly settings: AckSettings,
    private readonly onDelivered: (
      conversationId: string,
      ids: readonly string[],
      upTo: number,
    ) => void,
  ) {
    // Pushes as they come: a load device measures ACK -> push, and the relay has no feed.
    this.client = new ReceiptsClient({
      url,
      userId: user.id,
      deviceId,
      refreshOnConnect: false,
      catchUp: false,
    });
    this.client.on('receipts', (updates) => recorder.onUpdates(user.id, updates));
    this.sender = new AckSender(this.client.socket, recorder, 120_000);
  }

  connect(): Promise<void> {
    return this.client.connect();
  }

  /** The chat server handed this device a message. */
  received(conversationId: string, messageId: string, sequence: number): void {
    let batch = this.deliveries.get(conversationId);
    if (!batch) {
      batch = { messages: [], upTo: 0, queuedAt: performance.now() };
      this.deliveries.set(conversationId, batch);
    }
    batch.messages.push([messageId, sequence]);
    batch.upTo = Math.max(batch.upTo, sequence);
    this.recorder.notePending(1);
    this.arm();
  }

  /** A read cursor for the next frame; `senders` are the users whose devices should see it pushed. */
  read(conversationId: string, upTo: number, senders: Set<string>): Promise<AckResult> {
    return new Promise((resolve) => {
      const ack: QueuedAck = {
        item: { type: 'read', conversationId, upToSequence: upTo },
        queuedAt: performance.now(),
        onEmit: (t0) => this.recorder.expectRead(conversationId, this.user.id, upTo, t0, senders),
        onAnswer: (result, t0) => {
          if (result.ok) this.recorder.recordAck(conversationId, t0);
          resolve(result);
        },
      };
      if (this.settings.shape === 'single') return this.sender.send([ack], 'single');
      this.reads.push(ack);
      this.arm();
    });
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.client.close();
  }

  private arm(): void {
    this.timer ??= setTimeout(() => this.flush(), this.settings.windowMs);
  }

  private flush(): void {
    this.timer = null;
    const acks = this.reads.splice(0);
    for (const [conversationId, batch] of this.deliveries)
      acks.push(...this.deliveryAcks(conversationId, batch));
    this.deliveries.clear();
    if (acks.length > 0) this.sender.send(acks, this.settings.shape);
  }

  private deliveryAcks(conversationId: string, batch: Deliveries): QueuedAck[] {
    const { messages, upTo, queuedAt } = batch;
    if (this.user.cumulative) {
      const item: AckItem = { type: 'delivered_up_to', conversationId, upToSequence: upTo };
      return [this.deliveryAck(item, messages, upTo, queuedAt)];
    }
    const acks: QueuedAck[] = [];
    for (let i = 0; i < messages.length; i += MAX_DELIVERED_BATCH) {
      const chunk = messages.slice(i, i + MAX_DELIVERED_BATCH);
      const item: AckItem = {
        type: 'delivered',
        conversationId,
        messageIds: chunk.map(([id]) => id),
      };
      acks.push(this.deliveryAck(item, chunk, 0, queuedAt));
    }
    return acks;
  }

  private deliveryAck(
    item: AckItem,
    messages: Array<[string, number]>,
    upTo: number,
    queuedAt: number,
  ): QueuedAck {
    const { conversationId } = item;
    const ids = messages.map(([id]) => id);
    const userId = this.user.id;
    return {
      item,
      queuedAt,
      onEmit: (t0) => {
        for (const id of ids) this.recorder.expectDelivered(conversationId, id, userId, t0);
      },
      onAnswer: (result, t0) => {
        this.recorder.notePending(-ids.length);
        if (result.ok) {
          this.recorder.outstandingPushes += result.applied;
          this.recorder.sampleDelivered({ conversationId, userId, messages });
          if (this.recorder.inWindow()) {
            this.recorder.transitions.delivered += result.applied;
            this.recorder.acks.delivered++;
            this.recorder.acks.duplicates += result.duplicates;
          }
          this.recorder.recordAck(conversationId, t0);
        } else {
          this.recorder.error(result.error.code);
        }
        this.onDelivered(conversationId, ids, upTo);
      },
    };
  }
}
