import type {
  AckFrame,
  AckFrameResult,
  FeedUpdate,
  ProgressUpdate,
  ReceiptUpdate,
  ResumeRequest,
  ResumeResult,
  SyncRequest,
  SyncResult,
} from '@receipts/contracts';
import type { ReceiptsSocket } from '../receipts-socket';

type Frame = Readonly<{ frame: AckFrame; at: number }>;
type Responder = (frame: AckFrame) => AckFrameResult | 'no answer';
type SyncEvent = 'receipt:sync:start' | 'receipt:sync:stop';
type Request =
  | Readonly<{ event: 'receipt:resume'; payload: ResumeRequest; at: number }>
  | Readonly<{ event: SyncEvent; payload: SyncRequest; at: number }>;

const refusal = (code: string, details: Record<string, unknown>) => ({
  ok: false as const,
  error: { code, message: code, retryable: false, details },
});

/**
 * The few parts of a Socket.IO socket the SDK uses, in memory and on the (fake) clock: ACK
 * frames are recorded with their time and answered by `respond`; resume and sync requests are
 * recorded in `requests` and answered from `feed` (the user's change feed, of which positions
 * up to `dropped` are no longer kept) and `syncing`, unless `answerResume` / `answerSync` say
 * otherwise.
 */
export class FakeSocket {
  readonly frames: Frame[] = [];
  readonly requests: Request[] = [];
  readonly feed: FeedUpdate[] = [];
  dropped = 0;
  readonly syncing = new Set<string>();
  answerResume: (request: ResumeRequest) => ResumeResult | 'no answer' = (r) => this.page(r);
  answerSync: (event: SyncEvent, request: SyncRequest) => SyncResult | 'no answer' = (e, r) =>
    this.sync(e, r);
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

  progress(updates: ProgressUpdate[]): void {
    this.fire('receipt:progress', updates);
  }

  /** The feed's newest position. */
  get head(): number {
    return this.feed.at(-1)?.position ?? this.dropped;
  }

  /** Adds entries to the feed at the next positions; returns them, to push some if wanted. */
  record(...entries: Array<Omit<FeedUpdate, 'position'>>): FeedUpdate[] {
    return entries.map((entry) => {
      const update = { ...entry, position: this.head + 1 } as FeedUpdate;
      this.feed.push(update);
      return update;
    });
  }

  resumes(): ResumeRequest[] {
    return this.requests.flatMap((r) => (r.event === 'receipt:resume' ? [r.payload] : []));
  }

  syncRequests(): Array<[SyncEvent, string]> {
    return this.requests.flatMap((r) =>
      r.event === 'receipt:resume'
        ? []
        : [[r.event, r.payload.conversationId] as [SyncEvent, string]],
    );
  }

  timeout(ms: number) {
    const later = <T>(answer: T | 'no answer'): Promise<T> =>
      new Promise((resolve, reject) => {
        if (answer === 'no answer') setTimeout(() => reject(new Error('timed out')), ms);
        else setTimeout(() => resolve(answer), 1);
      });
    return {
      emitWithAck: (event: string, payload: unknown): Promise<unknown> => {
        const at = Date.now();
        if (event === 'receipt:ack') {
          this.frames.push({ frame: payload as AckFrame, at });
          return later(this.respond(payload as AckFrame));
        }
        if (event === 'receipt:resume') {
          const request = payload as ResumeRequest;
          this.requests.push({ event, payload: request, at });
          return later(this.answerResume(request));
        }
        const sync = event as SyncEvent;
        this.requests.push({ event: sync, payload: payload as SyncRequest, at });
        return later(this.answerSync(sync, payload as SyncRequest));
      },
    };
  }

  private page({ after, limit = 500 }: ResumeRequest): ResumeResult {
    if (after < this.dropped)
      return refusal('RESYNC_REQUIRED', { reason: 'expired', head: this.head });
    if (after > this.head) return refusal('RESYNC_REQUIRED', { reason: 'ahead', head: this.head });
    const entries = this.feed.filter((e) => e.position > after).slice(0, limit);
    const next = entries.at(-1)?.position ?? after;
    return { ok: true, userId: 'bob', entries, next, head: this.head };
  }

  private sync(event: SyncEvent, { conversationId }: SyncRequest): SyncResult {
    if (event === 'receipt:sync:start') this.syncing.add(conversationId);
    else this.syncing.delete(conversationId);
    return { ok: true, conversationId, syncing: [...this.syncing], memberDetailMax: 100 };
  }

  private fire(event: string, ...args: unknown[]): void {
    for (const handler of [...(this.handlers.get(event) ?? [])]) handler(...args);
  }
}
