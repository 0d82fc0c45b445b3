import { backOff } from 'exponential-backoff';
import { type Socket, io } from 'socket.io-client';
import {
  type AckItem,
  type AckResult,
  type ClientToServerEvents,
  MAX_ACK_ITEMS,
  MAX_DELIVERED_BATCH,
  RECEIPTS_NAMESPACE,
  type ReceiptUpdate,
  type ServerToClientEvents,
} from '@receipts/contracts';

/**
 * A bearer token naming the user (`sub`) and device (`did`), or a function that returns a fresh
 * one at each (re)connection; or, against a server with the development identity on, the ids.
 */
export type DeviceCredentials =
  | Readonly<{ token: string | (() => string | Promise<string>) }>
  | Readonly<{ userId: string; deviceId: string }>;

export type ReceiptsClientOptions = Readonly<{
  url: string;
  /** How long delivered ids wait to be sent together. */
  batchWindowMs?: number;
  ackTimeoutMs?: number;
  /**
   * How long a retryable answer (an ACK for a message not registered yet, a store fault, no
   * answer) is retried, with exponential backoff and jitter, before it is handed over.
   */
  retryForMs?: number;
}> &
  DeviceCredentials;

const handshakeAuth = (credentials: DeviceCredentials) => {
  if (!('token' in credentials)) {
    return { userId: credentials.userId, deviceId: credentials.deviceId };
  }
  const { token } = credentials;
  if (typeof token === 'string') return { token };
  return (callback: (auth: object) => void): void => {
    // A token that cannot be had connects without one, to be refused (connect_error).
    void Promise.resolve()
      .then(token)
      .then(
        (fresh) => callback({ token: fresh }),
        () => callback({}),
      );
  };
};

/** Retries of retryable answers: long enough for a registration racing its delivery. */
export const DEFAULT_RETRY_FOR_MS = 30_000;
const RETRY_FIRST_DELAY_MS = 100;
const RETRY_MAX_DELAY_MS = 5_000;

type Pending = { ids: Set<string>; waiters: Array<(result: AckResult) => void> };

/**
 * A device's connection: batches delivered ids per conversation into one ACK per window,
 * and hands over pushed `receipts` frames.
 */
export class ReceiptsClient {
  readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  private readonly pending = new Map<string, Pending>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly options: ReceiptsClientOptions) {
    this.socket = io(`${options.url}${RECEIPTS_NAMESPACE}`, {
      auth: handshakeAuth(options),
      transports: ['websocket'],
      autoConnect: false,
    });
  }

  connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.once('connect', () => resolve());
      this.socket.once('connect_error', reject);
      this.socket.connect();
    });
  }

  onUpdates(listener: (updates: ReceiptUpdate[]) => void): void {
    this.socket.on('receipts', listener);
  }

  /** Queues ids for the next batched ACK; resolves with the answer to the batch they went in. */
  delivered(conversationId: string, messageIds: readonly string[]): Promise<AckResult> {
    const batch = this.pending.get(conversationId) ?? { ids: new Set<string>(), waiters: [] };
    this.pending.set(conversationId, batch);
    for (const id of messageIds) batch.ids.add(id);
    const answer = new Promise<AckResult>((resolve) => batch.waiters.push(resolve));
    if (batch.ids.size >= MAX_DELIVERED_BATCH) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.options.batchWindowMs ?? 20);
    return answer;
  }

  deliveredUpTo(conversationId: string, upToSequence: number): Promise<AckResult> {
    return this.emit('receipt:delivered', { conversationId, upToSequence });
  }

  read(conversationId: string, upToSequence: number): Promise<AckResult> {
    return this.emit('receipt:read', { conversationId, upToSequence });
  }

  /**
   * Sends every queued delivered batch now, all conversations in one `receipt:ack` frame (more
   * past MAX_ACK_ITEMS items), each conversation's ids in items of at most MAX_DELIVERED_BATCH.
   */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batches = [...this.pending.values()];
    const items: AckItem[] = [];
    const owners: Pending[] = [];
    for (const [conversationId, batch] of this.pending) {
      const ids = [...batch.ids];
      for (let i = 0; i < ids.length; i += MAX_DELIVERED_BATCH) {
        items.push({
          type: 'delivered',
          conversationId,
          messageIds: ids.slice(i, i + MAX_DELIVERED_BATCH),
        });
        owners.push(batch);
      }
    }
    this.pending.clear();
    if (items.length === 0) return;
    void this.sendItems(items).then((results) => {
      for (const batch of batches) {
        const combined = combine(results.filter((_, i) => owners[i] === batch));
        for (const waiter of batch.waiters) waiter(combined);
      }
    });
  }

  close(): void {
    this.flush();
    this.socket.disconnect();
  }

  /** Sends an ACK and retries retryable answers; the server's idempotency makes that safe. */
  private async emit<E extends 'receipt:delivered' | 'receipt:read'>(
    event: E,
    payload: Parameters<ClientToServerEvents[E]>[0],
  ): Promise<AckResult> {
    let last: AckResult = NO_ANSWER;
    await this.retrying(async () => {
      last = await this.emitOnce(event, payload);
      return !isRetryable(last);
    });
    return last;
  }

  /** Items in frames of at most MAX_ACK_ITEMS; the items answered retryably are sent again. */
  private async sendItems(items: readonly AckItem[]): Promise<AckResult[]> {
    const results: AckResult[] = items.map(() => NO_ANSWER);
    let left = items.map((item, index) => ({ item, index }));
    await this.retrying(async () => {
      const answers: AckResult[] = [];
      for (let i = 0; i < left.length; i += MAX_ACK_ITEMS) {
        const frame = left.slice(i, i + MAX_ACK_ITEMS).map(({ item }) => item);
        const answer = await this.emitOnce('receipt:ack', { items: frame });
        answers.push(...(answer.ok ? answer.results : frame.map(() => answer)));
      }
      left.forEach(({ index }, i) => (results[index] = answers[i] ?? NO_ANSWER));
      left = left.filter((_, i) => isRetryable(answers[i] ?? NO_ANSWER));
      return left.length === 0;
    });
    return results;
  }

  /** Runs `attempt` until it says it is done, with backoff and jitter, for at most `retryForMs`. */
  private async retrying(attempt: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + (this.options.retryForMs ?? DEFAULT_RETRY_FOR_MS);
    await backOff(
      async () => {
        if (!(await attempt())) throw new Error('retryable answer');
      },
      {
        startingDelay: RETRY_FIRST_DELAY_MS,
        maxDelay: RETRY_MAX_DELAY_MS,
        jitter: 'full',
        numOfAttempts: Number.MAX_SAFE_INTEGER,
        retry: () => Date.now() < deadline && this.socket.active,
      },
    ).catch(() => undefined);
  }

  private async emitOnce<E extends keyof ClientToServerEvents>(
    event: E,
    payload: Parameters<ClientToServerEvents[E]>[0],
  ): Promise<Parameters<Parameters<ClientToServerEvents[E]>[1]>[0]> {
    try {
      const socket = this.socket.timeout(this.options.ackTimeoutMs ?? 10_000) as unknown as {
        emitWithAck: (
          event: E,
          payload: unknown,
        ) => Promise<Parameters<Parameters<ClientToServerEvents[E]>[1]>[0]>;
      };
      return await socket.emitWithAck(event, payload);
    } catch (error) {
      const message = error instanceof Error ? error.message : 'no answer';
      return { ok: false, error: { code: 'TIMEOUT', message, retryable: true } };
    }
  }
}

const NO_ANSWER: AckResult = {
  ok: false,
  error: { code: 'TIMEOUT', message: 'no answer', retryable: true },
};

const isRetryable = (result: AckResult): boolean => !result.ok && result.error.retryable;

/** One answer for a batch sent in parts: the first failure, or the sums of the successes. */
const combine = (results: readonly AckResult[]): AckResult => {
  const failure = results.find((r) => !r.ok);
  if (failure) return failure;
  let applied = 0;
  let duplicates = 0;
  for (const r of results) {
    if (r.ok) {
      applied += r.applied;
      duplicates += r.duplicates;
    }
  }
  return { ok: true, applied, duplicates };
};
