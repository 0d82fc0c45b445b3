import { ReceiptError } from '@receipts/domain';
import {
  type MessageDocument,
  type MessageSummary,
  type ReadCursorDocument,
  type RecipientReceipt,
  type UserUnread,
  recipientReceipt,
  summarize,
} from '@receipts/read-models';
import type { ReadStore } from '@receipts/read-store';
import type { Principal } from './principal';

export type MessageReceipts = Readonly<{
  message: MessageDocument;
  summary: MessageSummary;
  recipients: readonly RecipientReceipt[];
}>;

/** The query side: read models only, with who may see what decided here. */
export class ReceiptQueryService {
  constructor(private readonly readStore: ReadStore) {}

  /** Receipt detail is the sender's to see (and trusted services'). */
  async messageReceipts(
    viewer: Principal,
    conversationId: string,
    messageId: string,
  ): Promise<MessageReceipts> {
    const message = await this.visibleMessage(viewer, conversationId, messageId);
    const recipients = await this.recipientsOf(message);
    return { message, summary: summarize(message, recipients), recipients };
  }

  async messageSummary(
    viewer: Principal,
    conversationId: string,
    messageId: string,
  ): Promise<MessageSummary> {
    return (await this.messageReceipts(viewer, conversationId, messageId)).summary;
  }

  async summaryOf(message: MessageDocument): Promise<MessageSummary> {
    return summarize(message, await this.recipientsOf(message));
  }

  async unread(viewer: Principal, userId: string, conversationId: string): Promise<ReadCursorDocument> {
    this.requireSelf(viewer, userId);
    const cursor = await this.readStore.findCursor(userId, conversationId);
    if (!cursor) {
      throw new ReceiptError('UNKNOWN_CONVERSATION', 'The user has no messages in this conversation');
    }
    return cursor;
  }

  async userUnread(viewer: Principal, userId: string): Promise<UserUnread> {
    this.requireSelf(viewer, userId);
    const [conversations, totalUnread] = await Promise.all([
      this.readStore.cursorsOf(userId),
      this.readStore.totalUnread(userId),
    ]);
    return { userId, totalUnread, conversations };
  }

  private async recipientsOf(message: MessageDocument): Promise<RecipientReceipt[]> {
    const facts = await this.readStore.recipientFacts(message.conversationId, message.sequence);
    return facts.map(recipientReceipt);
  }

  private async visibleMessage(
    viewer: Principal,
    conversationId: string,
    messageId: string,
  ): Promise<MessageDocument> {
    const message = await this.readStore.findMessage(conversationId, messageId);
    if (!message) throw new ReceiptError('UNKNOWN_MESSAGE', 'No such message in this conversation');
    if (viewer.kind === 'user' && viewer.userId !== message.senderId) {
      throw new ReceiptError('FORBIDDEN', 'Only the sender may see the receipts of a message');
    }
    return message;
  }

  private requireSelf(viewer: Principal, userId: string): void {
    if (viewer.kind === 'user' && viewer.userId !== userId) {
      throw new ReceiptError('FORBIDDEN', "Unread counts are only their owner's to see");
    }
  }
}
