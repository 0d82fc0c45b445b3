import { Agent, request } from 'node:http';
import type { Recorder } from './recorder';
import { Bursts } from './bursts';
import { type Slot, type Universe, conversationIdOf } from './universe';

export type RegisteredMessage = {
  conversationId: string;
  messageId: string;
  senderId: string;
  sequence: number;
  recipientIds: string[];
};

export type Windows = {
  /** Registrations in flight at once. */
  inflightPosts: number;
  /** Messages handed to devices and not yet ACKed as delivered. */
  pendingDeliveries: number;
  /** Applied deliveries whose push has not reached the sender. */
  outstandingPushes: number;
};

const TICK_MS = 5;
/** Registrations per batch request; a group-of-500 message is ~8 KB, well under the 1 MB body limit. */
const BATCH = 100;

type Outgoing = { message: RegisteredMessage; done: (ok: boolean) => void };

/**
 * Plays the chat server: registers messages (`POST /messages/batch`: what is ready in one event-loop
 * turn goes in one request; one message in flight per conversation so sequences arrive in order),
 * then hands each to its recipients' devices. Paced mode registers at
 * a target rate; saturate mode registers whenever the outstanding-work windows allow (closed loop).
 */
export class ChatServer {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });
  private readonly url: URL;
  private rate: number | null = 0;
  private tokens = 0;
  private last = performance.now();
  private inflight = 0;
  private queued = 0;
  private timer: NodeJS.Timeout | null = null;
  private outbox: Outgoing[] = [];
  private bursts = new Bursts(1);

  constructor(
    url: string,
    private readonly tag: string,
    private readonly universe: Universe,
    private readonly recorder: Recorder,
    private readonly windows: Windows,
    private readonly conversationLength: number,
    private readonly onRegistered: (message: RegisteredMessage) => void,
  ) {
    this.url = new URL('/messages/batch', url);
  }

  get busy(): boolean {
    return this.inflight + this.queued > 0;
  }

  describe(): string {
    return `posts in flight ${this.inflight}, queued ${this.queued}`;
  }

  /** Messages per second, or null to saturate; `burst` messages in a row go to one conversation. */
  setRate(rate: number | null, burst = 1): void {
    this.rate = rate;
    this.bursts = new Bursts(burst);
    this.tokens = 0;
    this.last = performance.now();
    this.timer ??= setInterval(() => this.tick(), TICK_MS);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const slot of this.universe.slots) slot.queued = 0;
    this.queued = 0;
    this.agent.destroy();
  }

  private open(): boolean {
    return (
      this.inflight + this.queued < this.windows.inflightPosts &&
      this.recorder.pendingDeliveries < this.windows.pendingDeliveries &&
      this.recorder.outstandingPushes < this.windows.outstandingPushes
    );
  }

  private tick(): void {
    const now = performance.now();
    const elapsed = (now - this.last) / 1000;
    this.last = now;
    if (this.rate === null) {
      while (this.open()) this.next();
      return;
    }
    this.tokens += this.rate * elapsed;
    while (this.tokens >= 1 && this.open()) {
      this.tokens -= 1;
      this.next();
    }
    // Whatever is due but could not go out within a second is counted as not offered.
    const ceiling = Math.max(1, this.rate);
    if (this.tokens > ceiling) {
      if (this.recorder.inWindow()) this.recorder.shortfall += Math.floor(this.tokens - ceiling);
      this.tokens = ceiling;
    }
  }

  /** The next message of the mix: sent now, or after the one in flight in its conversation. */
  private next(): void {
    const slot = this.bursts.place(this.universe.pickSlot(), performance.now());
    if (!slot.busy) return this.post(slot);
    slot.queued++;
    this.queued++;
  }

  private post(slot: Slot): void {
    if (slot.nextSequence > this.conversationLength) {
      slot.epoch++;
      slot.conversationId = conversationIdOf(this.tag, slot);
      slot.nextSequence = 1;
    }
    const sequence = slot.nextSequence++;
    const senderId = slot.members[Math.floor(this.universe.random() * slot.members.length)]!;
    const message: RegisteredMessage = {
      conversationId: slot.conversationId,
      messageId: `m${sequence}`,
      senderId,
      sequence,
      recipientIds: slot.members.filter((m) => m !== senderId),
    };
    slot.busy = true;
    this.inflight++;
    const t0 = performance.now();
    void this.register(message).then((ok) => {
      this.inflight--;
      slot.busy = false;
      if (this.recorder.inWindow(t0)) {
        if (ok) {
          this.recorder.registrations++;
          this.recorder.registration.record(performance.now() - t0);
        } else {
          this.recorder.registrationErrors++;
        }
      }
      if (ok) this.onRegistered(message);
      if (slot.queued > 0) {
        slot.queued--;
        this.queued--;
        this.post(slot);
      }
    });
  }

  /** Queues the registration for this turn's batch request. */
  private register(message: RegisteredMessage): Promise<boolean> {
    return new Promise((done) => {
      if (this.outbox.length === 0) setImmediate(() => this.flush());
      this.outbox.push({ message, done });
    });
  }

  private flush(): void {
    const outbox = this.outbox;
    this.outbox = [];
    for (let i = 0; i < outbox.length; i += BATCH) void this.send(outbox.slice(i, i + BATCH));
  }

  /** POSTs one batch, retrying what failed transiently (registration is idempotent). */
  private async send(batch: Outgoing[]): Promise<void> {
    let pending = batch;
    for (let attempt = 0; attempt < 3 && pending.length > 0; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 100));
      const sentAt = new Date().toISOString();
      const body = JSON.stringify({ messages: pending.map((o) => ({ ...o.message, sentAt })) });
      const answer = await this.postJson(body).catch(() => ({ status: 0, body: '' }));
      if (answer.status >= 400 && answer.status < 500) break;
      if (answer.status !== 200) continue;
      const { results } = JSON.parse(answer.body) as {
        results: { status: string; error?: { retryable: boolean } }[];
      };
      const retry: Outgoing[] = [];
      results.forEach((result, i) => {
        const outgoing = pending[i]!;
        if (result.status !== 'rejected') outgoing.done(true);
        else if (result.error?.retryable) retry.push(outgoing);
        else outgoing.done(false);
      });
      pending = retry;
    }
    for (const outgoing of pending) outgoing.done(false);
  }

  private postJson(body: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = request(
        this.url,
        {
          method: 'POST',
          agent: this.agent,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            'x-service-name': 'bench-chat',
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }
}
