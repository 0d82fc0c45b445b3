import type { MessageReceipts } from './receipt-queries.service';

/** A detail view with one page of its recipients, and the user id to ask after for the next. */
export type RecipientsPage = MessageReceipts & Readonly<{ next: string | null }>;

/**
 * The recipients after `after` (in user id order, as the detail view lists them), at most
 * `limit`; the message and its summary are whole. Large groups page through members this way.
 */
export const recipientsPage = (
  receipts: MessageReceipts,
  after: string | undefined,
  limit: number,
): RecipientsPage => {
  const rest =
    after === undefined ? receipts.recipients : receipts.recipients.filter((r) => r.userId > after);
  const recipients = rest.slice(0, limit);
  return {
    ...receipts,
    recipients,
    next: rest.length > limit ? (recipients.at(-1)?.userId ?? null) : null,
  };
};
