import type { ReceiptUpdate } from '@receipts/contracts';
import type { AnsweredSamples, DeliveredSample, PhaseResult, ReadSample } from './protocol';
import { Histogram } from './stats';

type ReadExpectation = { t0: number; senders: Set<string> };

/**
 * What one load process measures. Counters and histograms cover the current measurement window;
 * the backlog figures (pending deliveries, outstanding pushes) live across windows and drive the
 * closed loop.
 */
export class Recorder {
  private windowStart = Number.POSITIVE_INFINITY;
  private windowEnd = Number.POSITIVE_INFINITY;
  transitions = { delivered: 0, readAck: 0, readBySend: 0 };
  acks = {
    delivered: 0,
    read: 0,
    duplicates: 0,
    frames: 0,
    items: 0,
    errors: {} as Record<string, number>,
  };
  pushes = { delivered: 0, read: 0, readSync: 0 };
  registrations = 0;
  registrationErrors = 0;
  shortfall = 0;
  peakPendingDeliveries = 0;
  ackDurable = new Histogram();
  pushDelivered = new Histogram();
  pushRead = new Histogram();
  registration = new Histogram();
  batchWait = new Histogram();
  /** ACK and push latency by kind of conversation (direct, group5, group50, group500). */
  byKind = new Map<string, { ack: Histogram; push: Histogram }>();

  /** A uniform sample (reservoir) of every ACK answered with success, for the durability check. */
  readonly samples: AnsweredSamples = { delivered: [], reads: [] };
  private readonly answered = { delivered: 0, reads: 0 };
  /** Messages handed to devices whose delivered ACK has not been answered yet. */
  pendingDeliveries = 0;
  /** Delivered events answered as applied whose push has not reached the sender yet. */
  outstandingPushes = 0;
  private readonly deliveredKeys = new Map<string, number>();
  private readonly readKeys = new Map<string, ReadExpectation>();

  startWindow(start: number, end: number): void {
    this.windowStart = start;
    this.windowEnd = end;
    this.transitions = { delivered: 0, readAck: 0, readBySend: 0 };
    this.acks = { delivered: 0, read: 0, duplicates: 0, frames: 0, items: 0, errors: {} };
    this.pushes = { delivered: 0, read: 0, readSync: 0 };
    this.registrations = this.registrationErrors = this.shortfall = 0;
    this.peakPendingDeliveries = this.pendingDeliveries;
    this.ackDurable = new Histogram();
    this.pushDelivered = new Histogram();
    this.pushRead = new Histogram();
    this.registration = new Histogram();
    this.batchWait = new Histogram();
    this.byKind = new Map();
  }

  /** A frame of `items` ACKs went out at `t0`; `queuedAt` says when each item joined its window. */
  frameSent(t0: number, queuedAt: readonly number[]): void {
    if (!this.inWindow(t0)) return;
    for (const at of queuedAt) this.batchWait.record(t0 - at);
  }

  /** A frame's answer arrived (counted, like transitions, when answered inside the window). */
  frameAnswered(items: number): void {
    if (!this.inWindow()) return;
    this.acks.frames++;
    this.acks.items += items;
  }

  recordAck(conversationId: string, t0: number): void {
    if (!this.inWindow(t0)) return;
    const ms = performance.now() - t0;
    this.ackDurable.record(ms);
    this.kind(conversationId).ack.record(ms);
  }

  private kind(conversationId: string): { ack: Histogram; push: Histogram } {
    const kind = conversationId.split('-')[1] ?? 'other';
    let found = this.byKind.get(kind);
    if (!found) this.byKind.set(kind, (found = { ack: new Histogram(), push: new Histogram() }));
    return found;
  }

  /** Whether something that happened (or was sent) at `t` belongs to the measurement window. */
  inWindow(t = performance.now()): boolean {
    return t >= this.windowStart && t < this.windowEnd;
  }

  error(code: string): void {
    this.acks.errors[code] = (this.acks.errors[code] ?? 0) + 1;
  }

  notePending(delta: number): void {
    this.pendingDeliveries += delta;
    if (this.pendingDeliveries > this.peakPendingDeliveries)
      this.peakPendingDeliveries = this.pendingDeliveries;
  }

  sampleDelivered(sample: DeliveredSample): void {
    reservoir(this.samples.delivered, ++this.answered.delivered, sample);
  }

  sampleRead(sample: ReadSample): void {
    reservoir(this.samples.reads, ++this.answered.reads, sample);
  }

  expectDelivered(conversationId: string, messageId: string, userId: string, t0: number): void {
    const key = `${conversationId}|${messageId}|${userId}`;
    if (!this.deliveredKeys.has(key)) this.deliveredKeys.set(key, t0);
  }

  expectRead(
    conversationId: string,
    readerId: string,
    upTo: number,
    t0: number,
    senders: Set<string>,
  ): void {
    if (senders.size > 0)
      this.readKeys.set(`${conversationId}|${readerId}|${upTo}`, { t0, senders });
  }

  /** A `receipts` frame reached a device of `userId`. */
  onUpdates(userId: string, updates: readonly ReceiptUpdate[]): void {
    const now = performance.now();
    for (const update of updates) {
      if (update.type === 'delivered') {
        const key = `${update.conversationId}|${update.messageId}|${update.recipientId}`;
        const t0 = this.deliveredKeys.get(key);
        if (t0 === undefined) continue;
        this.deliveredKeys.delete(key);
        this.outstandingPushes--;
        if (this.inWindow(t0)) {
          this.pushes.delivered++;
          this.pushDelivered.record(now - t0);
          this.kind(update.conversationId).push.record(now - t0);
        }
      } else if (update.type === 'read') {
        const key = `${update.conversationId}|${update.readerId}|${update.readUpToSequence}`;
        const expected = this.readKeys.get(key);
        if (!expected?.senders.delete(userId)) continue;
        if (expected.senders.size === 0) this.readKeys.delete(key);
        if (this.inWindow(expected.t0)) {
          this.pushes.read++;
          this.pushRead.record(now - expected.t0);
          this.kind(update.conversationId).push.record(now - expected.t0);
        }
      } else if (this.inWindow(now)) {
        this.pushes.readSync++;
      }
    }
  }

  /** Forgets expectations older than `maxAgeMs` (ACKs that changed nothing push nothing). */
  prune(maxAgeMs: number): void {
    const oldest = performance.now() - maxAgeMs;
    for (const [key, t0] of this.deliveredKeys) if (t0 < oldest) this.deliveredKeys.delete(key);
    for (const [key, { t0 }] of this.readKeys) if (t0 < oldest) this.readKeys.delete(key);
  }

  result(
    phase: string,
    measuredSeconds: number,
    cpuPercent: number,
    drained: boolean,
  ): PhaseResult {
    return {
      phase,
      measuredSeconds,
      transitions: this.transitions,
      registrations: this.registrations,
      registrationErrors: this.registrationErrors,
      acks: this.acks,
      pushes: this.pushes,
      histograms: {
        ackDurable: this.ackDurable.toJSON(),
        pushDelivered: this.pushDelivered.toJSON(),
        pushRead: this.pushRead.toJSON(),
        registration: this.registration.toJSON(),
        batchWait: this.batchWait.toJSON(),
        byKind: Object.fromEntries(
          [...this.byKind].map(([kind, h]) => [
            kind,
            { ack: h.ack.toJSON(), push: h.push.toJSON() },
          ]),
        ),
      },
      shortfall: this.shortfall,
      cpuPercent,
      maxRssKb: process.resourceUsage().maxRSS,
      peakPendingDeliveries: this.peakPendingDeliveries,
      drained,
    };
  }
}

const RESERVOIR = 2000;

const reservoir = <T>(kept: T[], seen: number, item: T): void => {
  if (kept.length < RESERVOIR) kept.push(item);
  else {
    const slot = Math.floor(Math.random() * seen);
    if (slot < RESERVOIR) kept[slot] = item;
  }
};
