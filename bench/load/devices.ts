import { ReceiptsClient } from '@receipts/client';
import { type AckResult, MAX_DELIVERED_BATCH } from '@receipts/contracts';
import type { Recorder } from './recorder';
import type { User } from './universe';

/** How long a device collects delivered ids before ACKing them, like the SDK's default window. */
const BATCH_WINDOW_MS = 20;

/**
 * One connected device. Delivered ACKs are batched per conversation over a short window, as ids
 * (through the SDK's batching) or, for users set to it, as a cumulative `upToSequence`.
 */
export class Device {
  private readonly client: ReceiptsClient;
  private readonly pending = new Map<string, { messages: Array<[string, number]>; upTo: number }>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    url: string,
    readonly user: User,
    readonly deviceId: string,
    private readonly recorder: Recorder,
    private readonly onDelivered: (
      conversationId: string,
      ids: readonly string[],
      upTo: number,
    ) => void,
  ) {
    this.client = new ReceiptsClient({ url, userId: user.id, deviceId, ackTimeoutMs: 120_000 });
    this.client.onUpdates((updates) => recorder.onUpdates(user.id, updates));
  }

  connect(): Promise<void> {
    return this.client.connect();
  }

  /** The chat server handed this device a message. */
  received(conversationId: string, messageId: string, sequence: number): void {
    const batch = this.pending.get(conversationId) ?? { messages: [], upTo: 0 };
    this.pending.set(conversationId, batch);
    batch.messages.push([messageId, sequence]);
    batch.upTo = Math.max(batch.upTo, sequence);
    this.recorder.notePending(1);
    this.timer ??= setTimeout(() => this.flush(), BATCH_WINDOW_MS);
  }

  read(conversationId: string, upTo: number): Promise<AckResult> {
    return this.client.read(conversationId, upTo);
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.client.close();
  }

  private flush(): void {
    this.timer = null;
    const batches = [...this.pending];
    this.pending.clear();
    for (const [conversationId, { messages, upTo }] of batches) {
      if (this.user.cumulative) {
        this.send(conversationId, messages, upTo, () =>
          this.client.deliveredUpTo(conversationId, upTo),
        );
        continue;
      }
      for (let i = 0; i < messages.length; i += MAX_DELIVERED_BATCH) {
        const chunk = messages.slice(i, i + MAX_DELIVERED_BATCH);
        this.send(conversationId, chunk, 0, () => {
          const answer = this.client.delivered(
            conversationId,
            chunk.map(([id]) => id),
          );
          this.client.flush();
          return answer;
        });
      }
    }
  }

  private send(
    conversationId: string,
    messages: Array<[string, number]>,
    upTo: number,
    emit: () => Promise<AckResult>,
  ): void {
    const t0 = performance.now();
    const ids = messages.map(([id]) => id);
    for (const id of ids) this.recorder.expectDelivered(conversationId, id, this.user.id, t0);
    void emit().then((result) => {
      this.recorder.notePending(-ids.length);
      if (result.ok) {
        this.recorder.outstandingPushes += result.applied;
        this.recorder.sampleDelivered({ conversationId, userId: this.user.id, messages });
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
    });
  }
}
