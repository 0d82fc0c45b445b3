import type { MessageSummaryPayload } from '@receipts/contracts';
import { type DeviceCredentials, restHeaders, userIdOf } from './credentials';

/** The REST answers the SDK reads (docs/PROTOCOL.md, "REST"). */
export type UnreadSnapshot = Readonly<{
  totalUnread: number;
  conversations: ReadonlyArray<
    Readonly<{
      conversationId: string;
      unread: number;
      readUpTo: number;
      lastReadAt: string | null;
    }>
  >;
}>;

export type RecipientSnapshot =
  | Readonly<{ userId: string; status: 'sent' }>
  | Readonly<{ userId: string; status: 'delivered'; deliveredAt: string }>
  | Readonly<{ userId: string; status: 'read'; deliveredAt: string; readAt: string }>;

export type ReceiptsSnapshot = Readonly<{
  message: Readonly<{ conversationId: string; messageId: string; sequence: number }>;
  summary: MessageSummaryPayload;
  recipients: readonly RecipientSnapshot[];
}>;

export class SnapshotError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
  ) {
    super(`${status} ${code}`);
  }
}

/** The user's snapshot endpoints, called with the device's own credentials. */
export class Snapshots {
  constructor(
    private readonly url: string,
    private readonly credentials: DeviceCredentials,
  ) {}

  async unread(): Promise<UnreadSnapshot> {
    const userId = await userIdOf(this.credentials);
    return this.get(`/users/${encodeURIComponent(userId)}/unread`);
  }

  receipts(conversationId: string, messageId: string): Promise<ReceiptsSnapshot> {
    const c = encodeURIComponent(conversationId);
    return this.get(`/conversations/${c}/messages/${encodeURIComponent(messageId)}/receipts`);
  }

  private async get<T>(path: string): Promise<T> {
    const response = await fetch(`${this.url}${path}`, {
      headers: await restHeaders(this.credentials),
    });
    if (!response.ok) {
      const problem = (await response.json().catch(() => ({}))) as { code?: string };
      throw new SnapshotError(response.status, problem.code ?? 'UNKNOWN');
    }
    return (await response.json()) as T;
  }
}
