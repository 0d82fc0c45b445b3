import { backOff } from 'exponential-backoff';
import type { AckFrameResult, AckItem, AckResult, ErrorPayload } from '@receipts/contracts';
import type { QueuedItem } from './ack-queue';
import { FramePacer } from './frame-pacer';
import type { ReceiptsSocket } from './receipts-socket';

export type AckSenderOptions = Readonly<{
  ackTimeoutMs: number;
  retryForMs: number;
  maxFramesPerSecond: number;
}>;

const RETRY_FIRST_DELAY_MS = 100;
const RETRY_MAX_DELAY_MS = 5_000;

type Failure = Extract<AckResult, { ok: false }>;
const failure = (code: string, message: string): Failure => ({
  ok: false,
  error: { code, message, retryable: true },
});
const NO_ANSWER = failure('TIMEOUT', 'no answer');
const OFFLINE = failure('OFFLINE', 'not connected');
export const CLOSED: Failure = {
  ok: false,
  error: { code: 'CLOSED', message: 'the client was closed', retryable: false },
};

const isRetryable = (result: AckResult): boolean => !result.ok && result.error.retryable;
const retryAfterMs = (error: ErrorPayload): number => {
  const after = error.details?.['retryAfterMs'];
  return typeof after === 'number' && after > 0 ? after : 0;
};
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sends frames of items and answers each item's waiters once: on success, on a non-retryable
 * answer, or when retrying has run out. Retryable answers (including no answer) are retried with
 * exponential backoff and full jitter, never sooner than the server's `retryAfterMs`; time spent
 * offline does not count against `retryForMs`, the frame simply waits for the connection.
 */
export class AckSender {
  private readonly pacer: FramePacer;
  private readonly wakers = new Set<() => void>();
  private closed = false;
  /** Time spent offline so far, so that only time connected counts against `retryForMs`. */
  private offlineMs = 0;
  private offlineSince: number | null;

  constructor(
    private readonly socket: ReceiptsSocket,
    private readonly options: AckSenderOptions,
    private readonly onAnswered: (item: AckItem, result: AckResult) => void,
    pacer = new FramePacer(options.maxFramesPerSecond),
  ) {
    this.pacer = pacer;
    this.offlineSince = socket.connected ? null : Date.now();
    socket.on('connect', () => {
      if (this.offlineSince !== null) this.offlineMs += Date.now() - this.offlineSince;
      this.offlineSince = null;
      this.wake();
    });
    socket.on('disconnect', () => (this.offlineSince ??= Date.now()));
  }

  async send(entries: readonly QueuedItem[]): Promise<void> {
    let left = entries;
    const last = new Map<QueuedItem, AckResult>();
    let wait = 0;
    const start = Date.now();
    const startOffline = this.offlineClock();
    const connectedFor = () => Date.now() - start - (this.offlineClock() - startOffline);
    const attempt = async (): Promise<void> => {
      await this.pacer.slot();
      const answer = await this.emit(left.map((e) => e.item));
      const results = answer.ok ? answer.results : left.map(() => answer);
      wait = answer.ok ? 0 : retryAfterMs(answer.error);
      const retry: QueuedItem[] = [];
      left.forEach((entry, i) => {
        const result = results[i] ?? NO_ANSWER;
        if (isRetryable(result)) {
          last.set(entry, result);
          retry.push(entry);
        } else this.answer(entry, result);
      });
      left = retry;
      if (left.length > 0) throw new Error('retryable answers');
    };
    await backOff(attempt, {
      startingDelay: RETRY_FIRST_DELAY_MS,
      maxDelay: RETRY_MAX_DELAY_MS,
      jitter: 'full',
      numOfAttempts: Number.MAX_SAFE_INTEGER,
      retry: async () => {
        await this.untilConnected();
        if (wait > 0 && !this.closed) await sleep(wait);
        return !this.closed && connectedFor() < this.options.retryForMs;
      },
    }).catch(() => undefined);
    for (const entry of left)
      this.answer(entry, this.closed ? CLOSED : (last.get(entry) ?? NO_ANSWER));
  }

  /** Ends every retry: what is still waiting is answered with its last answer. */
  close(): void {
    this.closed = true;
    this.wake();
  }

  private answer(entry: QueuedItem, result: AckResult): void {
    for (const waiter of entry.waiters) waiter(result);
    this.onAnswered(entry.item, result);
  }

  private async emit(items: AckItem[]): Promise<AckFrameResult> {
    if (!this.socket.connected) return OFFLINE;
    try {
      // The contract types the callback; a timed-out emit's answer is typed loosely.
      return (await this.socket
        .timeout(this.options.ackTimeoutMs)
        .emitWithAck('receipt:ack', { items })) as AckFrameResult;
    } catch {
      return NO_ANSWER;
    }
  }

  private offlineClock(): number {
    return this.offlineMs + (this.offlineSince === null ? 0 : Date.now() - this.offlineSince);
  }

  /** Resolves once the socket is connected (or the sender closed). */
  private async untilConnected(): Promise<void> {
    if (this.socket.connected || this.closed) return;
    await new Promise<void>((resolve) => this.wakers.add(resolve));
  }

  private wake(): void {
    for (const resolve of this.wakers) resolve();
    this.wakers.clear();
  }
}
