import type { ErrorPayload, SyncResult } from '@receipts/contracts';
import type { ReceiptsSocket } from './receipts-socket';
import { ReceiptsRequestError, type ServerRequests } from './server-requests';

/** The server's answer to a sync start: every conversation this device syncs now. */
export type SyncStarted = Readonly<{
  conversationId: string;
  syncing: readonly string[];
  memberDetailMax: number;
}>;

type Waiter = Readonly<{
  resolve: (started: SyncStarted) => void;
  reject: (error: ReceiptsRequestError) => void;
}>;

const STOPPED: ErrorPayload = {
  code: 'SYNC_STOPPED',
  message: 'stopReceiptSync was called before the server answered',
  retryable: false,
};
const CLOSED: ErrorPayload = { code: 'CLOSED', message: 'the client was closed', retryable: false };

/**
 * The conversations the app wants synced (their chat screens are open), kept in step with the
 * server: started on every connection, since the server drops a device's syncs a while after
 * its last socket closes and another node never had them; stopped on the server as soon as
 * connected. Requests for one conversation go out one after another, in the order asked.
 */
export class ReceiptSyncs {
  private readonly wanted = new Set<string>();
  /** Stopped while offline: the server may still hold them (it keeps syncs for a while). */
  private readonly stopOnConnect = new Set<string>();
  private readonly waiting = new Map<string, Waiter[]>();
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    private readonly socket: ReceiptsSocket,
    private readonly requests: ServerRequests,
    private readonly refused: (conversationId: string, error: ErrorPayload) => void,
  ) {}

  get conversations(): string[] {
    return [...this.wanted];
  }

  /** Resolves with the server's answer: at once when connected, else on the next connection. */
  start(conversationId: string): Promise<SyncStarted> {
    this.wanted.add(conversationId);
    this.stopOnConnect.delete(conversationId);
    const answer = new Promise<SyncStarted>((resolve, reject) => {
      const list = this.waiting.get(conversationId) ?? [];
      list.push({ resolve, reject });
      this.waiting.set(conversationId, list);
    });
    if (this.socket.connected) void this.send('start', conversationId);
    return answer;
  }

  /** Stops at once locally; the server is told now, or on the next connection. */
  async stop(conversationId: string): Promise<void> {
    this.wanted.delete(conversationId);
    this.settle(conversationId, { ok: false, error: STOPPED });
    if (!this.socket.connected) {
      this.stopOnConnect.add(conversationId);
      return;
    }
    const answer = await this.send('stop', conversationId);
    if (answer && !answer.ok) {
      if (answer.error.retryable) this.stopOnConnect.add(conversationId);
      else throw new ReceiptsRequestError(answer.error);
    }
  }

  /** On every connection: what was stopped offline is stopped, what is wanted started again. */
  connected(): void {
    for (const c of this.stopOnConnect) void this.send('stop', c);
    this.stopOnConnect.clear();
    for (const c of this.wanted) void this.send('start', c);
  }

  close(): void {
    for (const c of this.waiting.keys()) this.settle(c, { ok: false, error: CLOSED });
    this.wanted.clear();
  }

  private send(kind: 'start' | 'stop', conversationId: string): Promise<SyncResult | null> {
    const before = this.queues.get(conversationId) ?? Promise.resolve();
    const request = before.then(() => this.request(kind, conversationId));
    const settled = request.catch(() => undefined);
    this.queues.set(conversationId, settled);
    void settled.then(() => {
      if (this.queues.get(conversationId) === settled) this.queues.delete(conversationId);
    });
    return request;
  }

  private async request(
    kind: 'start' | 'stop',
    conversationId: string,
  ): Promise<SyncResult | null> {
    // A start taken back while it waited its turn is not sent.
    if (kind === 'start' && !this.wanted.has(conversationId)) return null;
    const answer = await this.requests.ask(`receipt:sync:${kind}`, { conversationId });
    if (kind === 'stop') return answer;
    if (answer.ok || !answer.error.retryable) this.settle(conversationId, answer);
    // Retries ran out while connected: the app hears it; the next connection asks again.
    else if (this.socket.connected) this.settle(conversationId, answer);
    if (!answer.ok && !answer.error.retryable && this.wanted.delete(conversationId)) {
      this.refused(conversationId, answer.error);
    }
    return answer;
  }

  private settle(conversationId: string, answer: SyncResult): void {
    const waiters = this.waiting.get(conversationId) ?? [];
    this.waiting.delete(conversationId);
    for (const w of waiters) {
      if (answer.ok) {
        const { conversationId: c, syncing, memberDetailMax } = answer;
        w.resolve({ conversationId: c, syncing, memberDetailMax });
      } else w.reject(new ReceiptsRequestError(answer.error));
    }
  }
}
