import { backOff } from 'exponential-backoff';
import type {
  ErrorPayload,
  ResumeRequest,
  ResumeResult,
  SyncRequest,
  SyncResult,
} from '@receipts/contracts';
import type { FramePacer } from './frame-pacer';
import type { ReceiptsSocket } from './receipts-socket';

/** The requests besides ACKs that a device sends, with what each is answered. */
type Requests = {
  'receipt:resume': [ResumeRequest, ResumeResult];
  'receipt:sync:start': [SyncRequest, SyncResult];
  'receipt:sync:stop': [SyncRequest, SyncResult];
};
export type RequestName = keyof Requests;
export type Failure = Readonly<{ ok: false; error: ErrorPayload }>;

const failure = (code: string, message: string): Failure => ({
  ok: false,
  error: { code, message, retryable: true },
});
const NO_ANSWER = failure('TIMEOUT', 'no answer');
const OFFLINE = failure('OFFLINE', 'not connected');
const TRIES = 8;

/** A request the server refused or could not answer, as a typed error. */
export class ReceiptsRequestError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(error: ErrorPayload) {
    super(`${error.code}: ${error.message}`);
    this.name = 'ReceiptsRequestError';
    this.code = error.code;
    this.retryable = error.retryable;
    this.details = error.details;
  }
}

const retryAfterMs = (error: ErrorPayload): number => {
  const after = error.details?.['retryAfterMs'];
  return typeof after === 'number' && after > 0 ? after : 0;
};
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sends one request at a time in the device's frame budget and retries retryable answers (no
 * answer, RATE_LIMITED, a store fault) with backoff and jitter while connected; offline, it
 * answers OFFLINE at once: what a request was for is asked again on the next connection.
 */
export class ServerRequests {
  constructor(
    private readonly socket: ReceiptsSocket,
    private readonly pacer: FramePacer,
    private readonly timeoutMs: number,
  ) {}

  async ask<E extends RequestName>(event: E, payload: Requests[E][0]): Promise<Requests[E][1]> {
    let answer: Requests[E][1] = OFFLINE;
    const attempt = async (): Promise<void> => {
      answer = await this.once(event, payload);
      if (!answer.ok && answer.error.retryable && this.socket.connected) {
        const wait = retryAfterMs(answer.error);
        if (wait > 0) await sleep(wait);
        throw new ReceiptsRequestError(answer.error);
      }
    };
    await backOff(attempt, {
      startingDelay: 100,
      maxDelay: 5_000,
      jitter: 'full',
      numOfAttempts: TRIES,
      retry: () => this.socket.connected,
    }).catch(() => undefined);
    return answer;
  }

  private async once<E extends RequestName>(
    event: E,
    payload: Requests[E][0],
  ): Promise<Requests[E][1]> {
    await this.pacer.slot();
    if (!this.socket.connected) return OFFLINE;
    try {
      // One signature for three events: the contract types each; the answer is the event's.
      const timed = this.socket.timeout(this.timeoutMs);
      const emit = timed.emitWithAck as (event: string, payload: unknown) => Promise<unknown>;
      return (await emit.call(timed, event, payload)) as Requests[E][1];
    } catch {
      return NO_ANSWER;
    }
  }
}
