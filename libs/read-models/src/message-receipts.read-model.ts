/** A registered message as the read side keeps it. */
export type MessageDocument = Readonly<{
  conversationId: string;
  messageId: string;
  sequence: number;
  senderId: string;
  sentAt: string;
  recipientCount: number;
}>;

/** A message addressed to one user, with that user's delivered ACK time (null before one). */
export type AddressedMessage = MessageDocument & Readonly<{ deliveredAt: string | null }>;

/**
 * One recipient of one message, as the store can answer it with one row per recipient and one
 * index seek into that recipient's read steps: no row is written per message when they read.
 */
export type RecipientFacts = Readonly<{
  userId: string;
  deliveredAt: string | null;
  deliveredDeviceId: string | null;
  /** First read step covering the message that the reader shared (receipts on). */
  sharedRead: Readonly<{ at: string; deviceId: string | null }> | null;
  /** First read step covering the message, shared or not. */
  anyReadAt: string | null;
}>;

export type RecipientReceipt =
  | Readonly<{ userId: string; status: 'sent' }>
  | Readonly<{ userId: string; status: 'delivered'; deliveredAt: string }>
  | Readonly<{
      userId: string;
      status: 'read';
      deliveredAt: string;
      readAt: string;
      deviceId: string | null;
    }>;

export type MessageSummary = Readonly<{
  messageId: string;
  sequence: number;
  totalRecipients: number;
  deliveredCount: number;
  readCount: number;
  /** The sender's tick: delivered once every recipient has it, read once every recipient read it. */
  status: 'sent' | 'delivered' | 'read';
}>;

/**
 * A read implies delivered, at the time of the first read step that covered the message if no
 * delivered ACK came earlier. A read the reader did not share shows as exactly that delivery and
 * nothing more, so it looks like any device that received the message: the sender sees when a
 * message was delivered, never by which device (a hidden read's step may have none).
 */
export const recipientReceipt = (facts: RecipientFacts): RecipientReceipt => {
  const { userId, sharedRead } = facts;
  const deliveredAt = earliest(facts.deliveredAt, facts.anyReadAt);
  if (sharedRead) {
    return {
      userId,
      status: 'read',
      deliveredAt: deliveredAt ?? sharedRead.at,
      readAt: sharedRead.at,
      deviceId: sharedRead.deviceId,
    };
  }
  if (deliveredAt) return { userId, status: 'delivered', deliveredAt };
  return { userId, status: 'sent' };
};

/**
 * How many recipients of one message count as delivered (a delivery ACK, or any read, shared or
 * not) and as read (a read they shared): what a summary needs, without a row per recipient.
 */
export type RecipientCounts = Readonly<{ delivered: number; read: number }>;

export const countReceipts = (receipts: readonly RecipientReceipt[]): RecipientCounts => ({
  delivered: receipts.filter((r) => r.status !== 'sent').length,
  read: receipts.filter((r) => r.status === 'read').length,
});

export const summarize = (
  message: Pick<MessageDocument, 'messageId' | 'sequence' | 'recipientCount'>,
  counts: RecipientCounts,
): MessageSummary => {
  const total = message.recipientCount;
  return {
    messageId: message.messageId,
    sequence: message.sequence,
    totalRecipients: total,
    deliveredCount: counts.delivered,
    readCount: counts.read,
    status: counts.read === total ? 'read' : counts.delivered === total ? 'delivered' : 'sent',
  };
};

const earliest = (a: string | null, b: string | null): string | null => {
  if (a === null) return b;
  if (b === null) return a;
  return Date.parse(a) <= Date.parse(b) ? a : b;
};
