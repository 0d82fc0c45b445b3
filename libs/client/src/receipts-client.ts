import { io } from 'socket.io-client';
import {
  type AckItem,
  type AckResult,
  MAX_ACK_ITEMS,
  MAX_DELIVERED_BATCH,
  type ProgressUpdate,
  RECEIPTS_NAMESPACE,
  type ReceiptUpdate,
} from '@receipts/contracts';
import { AckQueue, type Waiter } from './ack-queue';
import { AckSender, CLOSED } from './ack-sender';
import { invalidItem } from './ack-validation';
import type { ReceiptsClientEvents } from './client-events';
import { DEFAULTS, type ReceiptsClientOptions } from './client-options';
import { handshakeAuth } from './credentials';
import { FeedCatchUp } from './feed-catch-up';
import { FramePacer } from './frame-pacer';
import { Listeners } from './listeners';
import { type MessageReceipts, ReceiptState } from './receipt-state';
import { ReceiptSyncs, type SyncStarted } from './receipt-syncs';
import type { ReceiptsSocket } from './receipts-socket';
import { ServerRequests } from './server-requests';
import { Snapshots } from './snapshots';

const isPosition = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

/**
 * A device's receipts: ACKs batched over a short window into one frame for all conversations,
 * coalesced, retried and kept while offline; pushes, the change feed it catches up from after
 * a gap or a reconnection, sync progress and REST snapshots folded into `state`.
 */
export class ReceiptsClient {
  readonly socket: ReceiptsSocket;
  readonly state = new ReceiptState();
  private readonly listeners = new Listeners<ReceiptsClientEvents>();
  private readonly queue = new AckQueue(MAX_DELIVERED_BATCH);
  private readonly sender: AckSender;
  private readonly snapshots: Snapshots;
  private readonly feed: FeedCatchUp;
  private readonly syncs: ReceiptSyncs;
  private readonly settings: typeof DEFAULTS & { refreshOnConnect: boolean; catchUp: boolean };
  private timer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;

  constructor(options: ReceiptsClientOptions) {
    if (options.resumeFrom !== undefined && !isPosition(options.resumeFrom)) {
      throw new TypeError(
        `resumeFrom must be a feed position (an integer ≥ 0), not ${String(options.resumeFrom)}`,
      );
    }
    const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
    this.settings = { ...DEFAULTS, refreshOnConnect: true, catchUp: true, ...defined };
    const create = options.createSocket ?? io;
    this.socket = create(`${options.url}${RECEIPTS_NAMESPACE}`, {
      auth: handshakeAuth(options),
      transports: ['websocket'],
      autoConnect: false,
    });
    this.snapshots = new Snapshots(options.url, options);
    const pacer = new FramePacer(this.settings.maxFramesPerSecond);
    this.sender = new AckSender(
      this.socket,
      this.settings,
      (item, result) => this.answered(item, result),
      pacer,
    );
    const requests = new ServerRequests(this.socket, pacer, this.settings.ackTimeoutMs);
    this.feed = new FeedCatchUp(
      this.socket,
      requests,
      {
        apply: (updates, source) => this.receive(updates, source),
        refresh: () => this.refresh(),
        resynced: (resync) => this.listeners.emit('resync', resync),
        caughtUp: (caughtUp) => this.listeners.emit('caughtUp', caughtUp),
        failed: (error) => this.listeners.emit('catchUpFailed', error),
      },
      { resumeFrom: options.resumeFrom ?? null, snapshotsFirst: this.settings.refreshOnConnect },
    );
    this.syncs = new ReceiptSyncs(this.socket, requests, (conversationId, error) =>
      this.listeners.emit('syncFailed', conversationId, error),
    );
    this.socket.on('connect', () => this.connected());
    this.socket.on('disconnect', () => this.listeners.emit('connection', 'offline'));
    this.socket.on('receipts', (updates) =>
      this.settings.catchUp ? this.feed.pushed(updates) : this.receive(updates, 'push'),
    );
    this.socket.on('receipt:progress', (updates) => this.progress(updates));
  }

  /**
   * The last position of the user's change feed this device applied (null until it knows):
   * keep it, and pass it as `resumeFrom` when the app starts again.
   */
  get position(): number | null {
    return this.feed.position;
  }

  /** The conversations the app wants synced (`startReceiptSync`, not stopped or refused). */
  get syncing(): string[] {
    return this.syncs.conversations;
  }

  get online(): boolean {
    return this.socket.connected;
  }

  on<E extends keyof ReceiptsClientEvents>(
    event: E,
    listener: ReceiptsClientEvents[E],
  ): () => void {
    return this.listeners.on(event, listener);
  }

  /** Connects (again); rejects with the server's refusal (`connect_error`). */
  connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = (): void => {
        this.socket.off('connect', done);
        this.socket.off('connect_error', refused);
        resolve();
      };
      const refused = (error: Error): void => {
        this.socket.off('connect', done);
        this.socket.off('connect_error', refused);
        reject(error);
      };
      this.socket.on('connect', done);
      this.socket.on('connect_error', refused);
      this.socket.connect();
    });
  }

  /** Goes offline on purpose: ACKs made meanwhile wait and are sent on `connect()`. */
  disconnect(): void {
    this.socket.disconnect();
  }

  markDelivered(conversationId: string, messageIds: readonly string[]): Promise<AckResult> {
    const item: AckItem = { type: 'delivered', conversationId, messageIds: [...messageIds] };
    return this.enqueue(item, (w) => this.queue.delivered(conversationId, messageIds, w));
  }

  markDeliveredUpTo(conversationId: string, upToSequence: number): Promise<AckResult> {
    const item: AckItem = { type: 'delivered_up_to', conversationId, upToSequence };
    return this.enqueue(item, (w) =>
      this.queue.deliveredUpToSequence(conversationId, upToSequence, w),
    );
  }

  markRead(conversationId: string, upToSequence: number): Promise<AckResult> {
    const item: AckItem = { type: 'read', conversationId, upToSequence };
    return this.enqueue(item, (w) => this.queue.read(conversationId, upToSequence, w));
  }

  /**
   * Streams the per-member progress of the user's messages in a conversation to this device
   * (`progress` events, folded into `state`) until `stopReceiptSync`: call it when the chat
   * screen opens. Kept across reconnections (started again on each). Rejects with a
   * `ReceiptsRequestError`: `TOO_MANY_SYNCS`, `UNKNOWN_CONVERSATION` (not a member), …
   * Offline, it settles once connected.
   */
  startReceiptSync(conversationId: string): Promise<SyncStarted> {
    return this.syncs.start(conversationId);
  }

  /** Stops a sync (the chat screen closed): at once here, on the server now or on reconnect. */
  stopReceiptSync(conversationId: string): Promise<void> {
    return this.syncs.stop(conversationId);
  }

  /** A message this user just sent (registered by the chat server): shown `sent` from now. */
  trackSent(conversationId: string, messageId: string, sequence: number, recipients: number): void {
    this.state.track(conversationId, messageId, sequence, recipients);
    this.changed();
  }

  /** Loads every recipient's receipt of one of the user's messages (the detail view). */
  async loadDetail(conversationId: string, messageId: string): Promise<MessageReceipts> {
    const message = this.state.applyReceipts(
      await this.snapshots.receipts(conversationId, messageId),
    );
    this.listeners.emit('message', message);
    this.changed();
    return message;
  }

  /**
   * Reloads the badges. Nothing is pushed when a message arrives (the chat server hands it to
   * the device), so an app asks when it gets one.
   */
  async refreshUnread(): Promise<void> {
    this.state.applyUnread(await this.snapshots.unread());
    this.listeners.emit('unread', { conversationId: null, totalUnread: this.state.totalUnread });
    this.changed();
  }

  /** Reloads the badges and the receipts of the newest own messages not yet read by all. */
  async refresh(): Promise<void> {
    await this.refreshUnread();
    const open = this.state
      .all()
      .filter((m) => m.status !== 'read')
      .slice(-this.settings.refreshMessages);
    for (const m of open) await this.loadDetail(m.conversationId, m.messageId);
  }

  /** Sends what is queued now, all conversations together (in frames of MAX_ACK_ITEMS items). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.socket.connected) return;
    const entries = this.queue.take();
    for (let i = 0; i < entries.length; i += MAX_ACK_ITEMS) {
      void this.sender.send(entries.slice(i, i + MAX_ACK_ITEMS));
    }
  }

  /** Disconnects for good; ACKs not answered yet are answered `CLOSED`. */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const { waiters } of this.queue.take()) for (const w of waiters) w(CLOSED);
    this.sender.close();
    this.syncs.close();
    this.socket.disconnect();
  }

  private enqueue(item: AckItem, add: (waiter: Waiter) => void): Promise<AckResult> {
    if (this.closed) return Promise.resolve(CLOSED);
    const invalid = invalidItem(item);
    if (invalid) return Promise.resolve(invalid);
    const answer = new Promise<AckResult>((resolve) => add(resolve));
    if (this.queue.size >= MAX_ACK_ITEMS) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.settings.batchWindowMs);
    return answer;
  }

  private connected(): void {
    this.listeners.emit('connection', 'online');
    this.flush();
    if (this.settings.catchUp) this.feed.start();
    else if (this.settings.refreshOnConnect) this.refresh().catch(() => undefined);
    this.syncs.connected();
  }

  private answered(item: AckItem, result: AckResult): void {
    if (!result.ok) this.listeners.emit('ackFailed', item, result);
    // This device's own reads are not pushed back to it: its badges come from a snapshot.
    else if (item.type === 'read' && result.applied > 0 && this.settings.refreshOnConnect) {
      this.snapshots.unread().then(
        (snapshot) => {
          this.state.applyUnread(snapshot);
          this.listeners.emit('unread', {
            conversationId: null,
            totalUnread: snapshot.totalUnread,
          });
          this.changed();
        },
        () => undefined,
      );
    }
  }

  private receive(updates: ReceiptUpdate[], source: 'push' | 'feed'): void {
    this.listeners.emit('receipts', updates, source);
    for (const update of updates) {
      for (const message of this.state.apply(update)) this.listeners.emit('message', message);
      if (update.type === 'read_sync') {
        this.listeners.emit('readSync', update);
        const { conversationId } = update;
        this.listeners.emit('unread', { conversationId, totalUnread: this.state.totalUnread });
      }
    }
    this.changed();
  }

  private progress(updates: ProgressUpdate[]): void {
    this.listeners.emit('progress', updates);
    for (const update of updates) {
      for (const message of this.state.applyProgress(update)) {
        this.listeners.emit('message', message);
      }
    }
    this.changed();
  }

  private changed(): void {
    this.listeners.emit('change');
  }
}
