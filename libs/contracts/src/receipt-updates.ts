/** What the server pushes to devices, in one `receipts` frame holding every update of a short window. */
export type MessageSummaryPayload = {
  messageId: string;
  sequence: number;
  totalRecipients: number;
  deliveredCount: number;
  readCount: number;
  status: 'sent' | 'delivered' | 'read';
};

export type ReceiptUpdate =
  | {
      type: 'delivered';
      conversationId: string;
      messageId: string;
      sequence: number;
      recipientId: string;
      deliveredAt: string;
      /** Present for group messages (more than one recipient). */
      summary?: MessageSummaryPayload;
    }
  | {
      type: 'read';
      conversationId: string;
      readerId: string;
      readUpToSequence: number;
      readAt: string;
      /** The receiving sender's messages that this read newly covers (at most 200). */
      messages: Array<{ messageId: string; sequence: number; summary?: MessageSummaryPayload }>;
    }
  | {
      type: 'read_sync';
      conversationId: string;
      readUpToSequence: number;
      unread: number;
      totalUnread: number;
    };
