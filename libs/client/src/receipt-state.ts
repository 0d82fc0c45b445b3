import type { MessageSummaryPayload, ProgressUpdate, ReceiptUpdate } from '@receipts/contracts';
import type { ReceiptsSnapshot, UnreadSnapshot } from './snapshots';

export type Tick = 'sent' | 'delivered' | 'read';

export type MemberReceipt = Readonly<{
  userId: string;
  status: Tick;
  deliveredAt: string | null;
  readAt: string | null;
}>;

/** One of the user's own messages as its sender's UI renders it. */
export type MessageReceipts = Readonly<{
  conversationId: string;
  messageId: string;
  sequence: number;
  totalRecipients: number;
  deliveredCount: number;
  readCount: number;
  /** The sender's tick: delivered once every recipient has it, read once every one read it. */
  status: Tick;
  /** The recipients known so far (from pushes, or all of them after `loadDetail`). */
  members: readonly MemberReceipt[];
}>;

export type ConversationBadge = Readonly<{ conversationId: string; unread: number }>;

const RANK: Record<Tick, number> = { sent: 0, delivered: 1, read: 2 };
const higher = (a: Tick, b: Tick): Tick => (RANK[a] >= RANK[b] ? a : b);
const earlier = (a: string | null, b: string | null): string | null =>
  a === null ? b : b === null ? a : a <= b ? a : b;

const mergeMember = (old: MemberReceipt | undefined, next: MemberReceipt): MemberReceipt =>
  old === undefined
    ? next
    : {
        userId: next.userId,
        status: higher(old.status, next.status),
        deliveredAt: earlier(old.deliveredAt, next.deliveredAt),
        readAt: earlier(old.readAt, next.readAt),
      };

type Counts = Pick<MessageReceipts, 'totalRecipients' | 'deliveredCount' | 'readCount' | 'status'>;

/** A 1:1 message's push carries no summary: its one recipient's step is the whole summary. */
const countsOf = (summary: MessageSummaryPayload | undefined, step: Tick): Counts =>
  summary ?? {
    totalRecipients: 1,
    deliveredCount: 1,
    readCount: step === 'read' ? 1 : 0,
    status: step,
  };

/**
 * The receipts of the user's own messages and the user's badges, as pushes and snapshots tell
 * them. Receipts only move forward, so every fact is merged by taking the further one: a late
 * push after a fresher snapshot changes nothing. Badges are whatever the server said last.
 */
export class ReceiptState {
  private readonly messages = new Map<string, MessageReceipts>();
  private readonly badges = new Map<string, number>();
  /** The read cursor each badge was counted at: an older read's counts never replace it. */
  private readonly cursors = new Map<string, number>();
  totalUnread = 0;

  message(conversationId: string, messageId: string): MessageReceipts | undefined {
    return this.messages.get(key(conversationId, messageId));
  }

  /** Every known own message, in the order they became known. */
  all(): MessageReceipts[] {
    return [...this.messages.values()];
  }

  /** The conversation's known messages, oldest first. */
  conversation(conversationId: string): MessageReceipts[] {
    return [...this.messages.values()]
      .filter((m) => m.conversationId === conversationId)
      .sort((a, b) => a.sequence - b.sequence);
  }

  unread(conversationId: string): number {
    return this.badges.get(conversationId) ?? 0;
  }

  conversations(): ConversationBadge[] {
    return [...this.badges].map(([conversationId, unread]) => ({ conversationId, unread }));
  }

  /** A message the user just sent: shown as sent until receipts arrive. */
  track(conversationId: string, messageId: string, sequence: number, recipients: number): void {
    this.merge(
      { conversationId, messageId, sequence },
      { totalRecipients: recipients, deliveredCount: 0, readCount: 0, status: 'sent' },
      [],
    );
  }

  /** Applies one pushed update; returns the messages it changed. */
  apply(update: ReceiptUpdate): MessageReceipts[] {
    switch (update.type) {
      case 'delivered': {
        const member = {
          userId: update.recipientId,
          status: 'delivered' as const,
          deliveredAt: update.deliveredAt,
          readAt: null,
        };
        return [this.merge(update, countsOf(update.summary, 'delivered'), [member])];
      }
      case 'read': {
        const member = {
          userId: update.readerId,
          status: 'read' as const,
          deliveredAt: update.readAt,
          readAt: update.readAt,
        };
        return update.messages.map((m) =>
          this.merge({ conversationId: update.conversationId, ...m }, countsOf(m.summary, 'read'), [
            member,
          ]),
        );
      }
      case 'read_sync':
        if (update.readUpToSequence <= (this.cursors.get(update.conversationId) ?? 0)) return [];
        this.cursors.set(update.conversationId, update.readUpToSequence);
        this.badges.set(update.conversationId, update.unread);
        this.totalUnread = update.totalUnread;
        return [];
      case 'position':
        // The feed position of this device's own read: nothing to show.
        return [];
      default: {
        const unknown: never = update;
        return unknown;
      }
    }
  }

  /**
   * Folds a sync's per-member progress into the messages it knows (tracked, pushed or loaded
   * with their detail); returns those it changed. Counts follow the members only where every
   * recipient is known (after `loadDetail`): otherwise the pushes' summaries carry them.
   */
  applyProgress(update: ProgressUpdate): MessageReceipts[] {
    const known = (messageId: string) => this.message(update.conversationId, messageId);
    switch (update.type) {
      case 'member_delivered': {
        const message = known(update.messageId);
        if (!message) return [];
        const member = {
          userId: update.userId,
          status: 'delivered' as const,
          deliveredAt: update.deliveredAt,
          readAt: null,
        };
        return [this.mergeMembers(message, [member])];
      }
      case 'member_read': {
        const member = {
          userId: update.userId,
          status: 'read' as const,
          deliveredAt: update.readAt,
          readAt: update.readAt,
        };
        return update.messages.flatMap((m) => {
          const message = known(m.messageId);
          return message ? [this.mergeMembers(message, [member])] : [];
        });
      }
      case 'counts': {
        const message = known(update.messageId);
        return message ? [this.merge(message, update.summary, [])] : [];
      }
      default: {
        const unknown: never = update;
        return unknown;
      }
    }
  }

  applyUnread(snapshot: UnreadSnapshot): void {
    for (const conversationId of this.badges.keys()) this.badges.set(conversationId, 0);
    for (const c of snapshot.conversations) {
      this.badges.set(c.conversationId, c.unread);
      this.cursors.set(c.conversationId, c.readUpTo);
    }
    this.totalUnread = snapshot.totalUnread;
  }

  applyReceipts({ message, summary, recipients }: ReceiptsSnapshot): MessageReceipts {
    const members = recipients.map((r) => ({
      userId: r.userId,
      status: r.status,
      deliveredAt: r.status === 'sent' ? null : r.deliveredAt,
      readAt: r.status === 'read' ? r.readAt : null,
    }));
    return this.merge(message, summary, members);
  }

  private mergeMembers(
    message: MessageReceipts,
    members: readonly MemberReceipt[],
  ): MessageReceipts {
    const merged = this.merge(message, message, members);
    if (merged.members.length < merged.totalRecipients) return merged;
    const delivered = merged.members.filter((m) => m.status !== 'sent').length;
    const read = merged.members.filter((m) => m.status === 'read').length;
    const status: Tick =
      read === merged.totalRecipients
        ? 'read'
        : delivered === merged.totalRecipients
          ? 'delivered'
          : 'sent';
    const counts = {
      totalRecipients: merged.totalRecipients,
      deliveredCount: delivered,
      readCount: read,
      status,
    };
    return this.merge(merged, counts, []);
  }

  private merge(
    id: Readonly<{ conversationId: string; messageId: string; sequence: number }>,
    counts: Counts,
    members: readonly MemberReceipt[],
  ): MessageReceipts {
    const k = key(id.conversationId, id.messageId);
    const old = this.messages.get(k);
    const byUser = new Map((old?.members ?? []).map((m) => [m.userId, m]));
    for (const m of members) byUser.set(m.userId, mergeMember(byUser.get(m.userId), m));
    const next: MessageReceipts = {
      conversationId: id.conversationId,
      messageId: id.messageId,
      sequence: id.sequence,
      totalRecipients: Math.max(old?.totalRecipients ?? 0, counts.totalRecipients),
      deliveredCount: Math.max(old?.deliveredCount ?? 0, counts.deliveredCount),
      readCount: Math.max(old?.readCount ?? 0, counts.readCount),
      status: higher(old?.status ?? 'sent', counts.status),
      members: [...byUser.values()].sort((a, b) => a.userId.localeCompare(b.userId)),
    };
    this.messages.set(k, next);
    return next;
  }
}

const key = (conversationId: string, messageId: string): string =>
  `${conversationId}\u0000${messageId}`;
