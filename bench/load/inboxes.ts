import type { Device } from './devices';
import type { Recorder } from './recorder';

type Entry = { sequence: number; messageId: string; senderId: string; delivered: boolean };
type Inbox = { entries: Entry[]; scheduled: boolean; reading: boolean };

/** A reader looks at a conversation this long after a message arrives (uniform). */
const READ_DELAY_MS: readonly [number, number] = [200, 1000];

/**
 * What each user has received and not read, per conversation, and their reading: a while after
 * messages arrive, one of the user's devices reads up to the last message that was ACKed as
 * delivered (a read ACK is a cursor, covering every message up to it). The device sends the
 * cursor in its next frame and measures the ACK from that frame's emit.
 */
export class Inboxes {
  private readonly inboxes = new Map<string, Inbox>();
  active = true;

  constructor(
    private readonly devicesOf: (userId: string) => readonly Device[],
    private readonly recorder: Recorder,
    private readonly random: () => number,
  ) {}

  /** Unread messages not yet read by their recipients (for draining). */
  get backlog(): number {
    return this.inboxes.size;
  }

  arrived(userId: string, conversationId: string, entry: Omit<Entry, 'delivered'>): void {
    const inbox = this.inbox(userId, conversationId);
    inbox.entries.push({ ...entry, delivered: false });
    this.schedule(userId, conversationId, inbox);
  }

  delivered(userId: string, conversationId: string, ids: readonly string[], upTo: number): void {
    const inbox = this.inboxes.get(key(userId, conversationId));
    if (!inbox) return;
    const acked = new Set(ids);
    for (const entry of inbox.entries) {
      if (entry.sequence <= upTo || acked.has(entry.messageId)) entry.delivered = true;
    }
  }

  /** The user sent a message at `sequence`: the service moves their cursor there. */
  sent(userId: string, conversationId: string, sequence: number): void {
    const inbox = this.inboxes.get(key(userId, conversationId));
    if (!inbox) return;
    const covered = this.cover(inbox, sequence);
    if (this.recorder.inWindow()) this.recorder.transitions.readBySend += covered.length;
    this.forgetIfIdle(userId, conversationId, inbox);
  }

  private inbox(userId: string, conversationId: string): Inbox {
    const k = key(userId, conversationId);
    let inbox = this.inboxes.get(k);
    if (!inbox) this.inboxes.set(k, (inbox = { entries: [], scheduled: false, reading: false }));
    return inbox;
  }

  private schedule(
    userId: string,
    conversationId: string,
    inbox: Inbox,
    delay = this.readDelay(),
  ): void {
    if (inbox.scheduled || inbox.reading) return;
    inbox.scheduled = true;
    setTimeout(() => {
      inbox.scheduled = false;
      this.read(userId, conversationId, inbox);
    }, delay);
  }

  private read(userId: string, conversationId: string, inbox: Inbox): void {
    let upTo = 0;
    const senders = new Set<string>();
    for (const entry of inbox.entries) {
      if (!entry.delivered) break;
      upTo = entry.sequence;
      senders.add(entry.senderId);
    }
    if (upTo === 0) {
      if (inbox.entries.length > 0) this.schedule(userId, conversationId, inbox, 50);
      else this.forgetIfIdle(userId, conversationId, inbox);
      return;
    }
    const devices = this.devicesOf(userId);
    const device = devices[Math.floor(this.random() * devices.length)]!;
    inbox.reading = true;
    void device.read(conversationId, upTo, senders).then((result) => {
      inbox.reading = false;
      const covered = this.cover(inbox, upTo);
      if (result.ok) {
        this.recorder.sampleRead({ conversationId, userId, upTo });
        if (this.recorder.inWindow()) {
          if (result.applied > 0) this.recorder.transitions.readAck += covered.length;
          else this.recorder.transitions.readBySend += covered.length;
          this.recorder.acks.read++;
          this.recorder.acks.duplicates += result.duplicates;
        }
      } else {
        this.recorder.error(result.error.code);
      }
      if (inbox.entries.length > 0) this.schedule(userId, conversationId, inbox);
      else this.forgetIfIdle(userId, conversationId, inbox);
    });
  }

  /** Removes and returns the entries the cursor now covers. */
  private cover(inbox: Inbox, upTo: number): Entry[] {
    const index = inbox.entries.findIndex((e) => e.sequence > upTo);
    return inbox.entries.splice(0, index === -1 ? inbox.entries.length : index);
  }

  private forgetIfIdle(userId: string, conversationId: string, inbox: Inbox): void {
    if (inbox.entries.length === 0 && !inbox.scheduled && !inbox.reading) {
      this.inboxes.delete(key(userId, conversationId));
    }
  }

  private readDelay(): number {
    const [low, high] = READ_DELAY_MS;
    return this.active ? low + this.random() * (high - low) : 20;
  }
}

const key = (userId: string, conversationId: string): string => `${userId}|${conversationId}`;
