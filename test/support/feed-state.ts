import type { FeedPage, FeedUpdate } from '@receipts/contracts';
import { type HttpAnswer, asUser, get } from './http';

/**
 * What a client shows after applying feed updates in position order, as a UI would keep it:
 * per message who delivered and who read it and its latest group counts, and per conversation
 * the user's read cursor and unread count, with the total. Two devices that applied the same
 * changes show the same state, whether they got them as pushes or from the feed.
 */
export type ClientState = {
  delivered: Record<string, string[]>;
  read: Record<string, string[]>;
  summaries: Record<string, unknown>;
  cursors: Record<string, { readUpTo: number; unread: number }>;
  totalUnread: number | null;
};

export const clientState = (updates: readonly FeedUpdate[]): ClientState => {
  const state: ClientState = {
    delivered: {},
    read: {},
    summaries: {},
    cursors: {},
    totalUnread: null,
  };
  const add = (into: Record<string, string[]>, key: string, userId: string) => {
    into[key] = [...new Set([...(into[key] ?? []), userId])].sort();
  };
  for (const u of [...updates].sort((a, b) => a.position - b.position)) {
    if (u.type === 'delivered') {
      add(state.delivered, `${u.conversationId}/${u.messageId}`, u.recipientId);
      if (u.summary) state.summaries[`${u.conversationId}/${u.messageId}`] = u.summary;
    } else if (u.type === 'read') {
      for (const m of u.messages) {
        add(state.read, `${u.conversationId}/${m.messageId}`, u.readerId);
        if (m.summary) state.summaries[`${u.conversationId}/${m.messageId}`] = m.summary;
      }
    } else {
      const before = state.cursors[u.conversationId]?.readUpTo ?? 0;
      state.cursors[u.conversationId] = {
        readUpTo: Math.max(before, u.readUpToSequence),
        unread: u.unread,
      };
      state.totalUnread = u.totalUnread;
    }
  }
  return state;
};

export const feedOf = (
  url: string,
  userId: string,
  query = '',
  headers: Record<string, string> = asUser(userId),
): Promise<HttpAnswer<FeedPage>> =>
  get(url, `/users/${userId}/feed${query}`, headers) as Promise<HttpAnswer<FeedPage>>;

/** Positions 1..n, each once, in order: what a device that missed nothing has seen. */
export const gapFree = (positions: readonly number[]): boolean =>
  positions.every((p, i) => p === i + 1);
