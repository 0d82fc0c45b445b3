/** Thin REST helpers over fetch, for a service at `url`. */
import type { MessageReceipts } from '@receipts/application';
import type { MessageSummary, ReadCursorDocument, UserUnread } from '@receipts/read-models';

export type HttpAnswer<T = unknown> = { status: number; contentType: string; body: T };

/** An error answer (application/problem+json). */
export type Problem = {
  type: string;
  title: string;
  status: number;
  code: string;
  message: string;
  retryable: boolean;
  details?: unknown;
};

const answer = async <T = unknown>(response: Response): Promise<HttpAnswer<T>> => {
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text.length > 0 ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON: keep the text */
  }
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? '',
    body: body as T,
  };
};

export const CHAT_SERVER = { 'x-service-name': 'chat-server' };

export type MessageBody = {
  messageId: string;
  conversationId: string;
  senderId: string;
  sequence: number;
  recipientIds: string[];
  sentAt?: string;
};

export const register = async (
  url: string,
  message: MessageBody,
  headers: Record<string, string> = CHAT_SERVER,
): Promise<HttpAnswer> =>
  answer(
    await fetch(`${url}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ sentAt: new Date().toISOString(), ...message }),
    }),
  );

/** Registers and fails the test unless the service answers 201 registered. */
export const registerOk = async (url: string, message: MessageBody): Promise<void> => {
  const result = await register(url, message);
  if (result.status !== 201) {
    throw new Error(
      `register ${message.messageId} answered ${result.status}: ${JSON.stringify(result.body)}`,
    );
  }
};

export const postRaw = async (
  url: string,
  path: string,
  rawBody: string,
  headers: Record<string, string> = CHAT_SERVER,
): Promise<HttpAnswer> =>
  answer(
    await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: rawBody,
    }),
  );

export const put = async (
  url: string,
  path: string,
  body: unknown,
  headers: Record<string, string>,
): Promise<HttpAnswer> =>
  answer(
    await fetch(`${url}${path}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    }),
  );

export const get = async (
  url: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<HttpAnswer> => answer(await fetch(`${url}${path}`, { headers }));

export const asUser = (userId: string): Record<string, string> => ({ 'x-user-id': userId });

const getAs = async <T>(
  url: string,
  path: string,
  headers: Record<string, string>,
): Promise<HttpAnswer<T>> => answer<T>(await fetch(`${url}${path}`, { headers }));

export const detail = (url: string, c: string, m: string, viewer: string) =>
  getAs<MessageReceipts>(url, `/conversations/${c}/messages/${m}/receipts`, asUser(viewer));
export const summary = (url: string, c: string, m: string, viewer: string) =>
  getAs<MessageSummary>(url, `/conversations/${c}/messages/${m}/summary`, asUser(viewer));
export const unreadTotal = (url: string, u: string) =>
  getAs<UserUnread>(url, `/users/${u}/unread`, asUser(u));
export const unreadIn = (url: string, u: string, c: string) =>
  getAs<ReadCursorDocument>(url, `/users/${u}/conversations/${c}/unread`, asUser(u));

/** Who has which status, by user id, from a detail answer. */
export const statusByUser = (receipts: MessageReceipts): Record<string, string> =>
  Object.fromEntries(receipts.recipients.map((r) => [r.userId, r.status]));

/** One recipient's receipt from a detail answer, with optional times as plain fields. */
export const receiptOf = (
  receipts: MessageReceipts,
  userId: string,
):
  | {
      userId: string;
      status: string;
      deliveredAt?: string | null;
      readAt?: string;
      deviceId?: string | null;
    }
  | undefined => receipts.recipients.find((r) => r.userId === userId);

/** What /metrics and the readiness detail need on the public port: a service credential. */
export const OPERATOR = { 'x-service-name': 'monitoring' };

/** Sum of every sample of a Prometheus counter in /metrics (all label sets). */
export const counter = async (
  url: string,
  name: string,
  operator: Record<string, string> = OPERATOR,
): Promise<number> => {
  const answer = await get(url, '/metrics', operator);
  if (answer.status !== 200) throw new Error(`/metrics answered ${answer.status}`);
  const text = String(answer.body);
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (match && match[1] === name) total += Number(match[3]);
  }
  return total;
};

export const eventsAppended = (url: string, operator?: Record<string, string>): Promise<number> =>
  counter(url, 'receipts_events_appended_total', operator);
