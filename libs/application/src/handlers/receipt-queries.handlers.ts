import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { MessageSummary, ReadCursorDocument, UserUnread } from '@receipts/read-models';
import type { Principal } from '../principal';
import { type MessageReceipts, ReceiptQueryService } from '../receipt-queries.service';

/** Every recipient's state and times of one message: the sender's detail view. */
export class MessageReceiptsQuery extends Query<MessageReceipts> {
  constructor(
    readonly viewer: Principal,
    readonly conversationId: string,
    readonly messageId: string,
  ) {
    super();
  }
}

/** Delivered and read counts of one message. */
export class MessageSummaryQuery extends Query<MessageSummary> {
  constructor(
    readonly viewer: Principal,
    readonly conversationId: string,
    readonly messageId: string,
  ) {
    super();
  }
}

/** A user's read cursor and unread count in one conversation. */
export class ConversationUnreadQuery extends Query<ReadCursorDocument> {
  constructor(
    readonly viewer: Principal,
    readonly userId: string,
    readonly conversationId: string,
  ) {
    super();
  }
}

/** All of a user's unread counts, with the total. */
export class UserUnreadQuery extends Query<UserUnread> {
  constructor(
    readonly viewer: Principal,
    readonly userId: string,
  ) {
    super();
  }
}

@QueryHandler(MessageReceiptsQuery)
export class MessageReceiptsHandler implements IQueryHandler<MessageReceiptsQuery> {
  constructor(private readonly queries: ReceiptQueryService) {}

  execute({ viewer, conversationId, messageId }: MessageReceiptsQuery): Promise<MessageReceipts> {
    return this.queries.messageReceipts(viewer, conversationId, messageId);
  }
}

@QueryHandler(MessageSummaryQuery)
export class MessageSummaryHandler implements IQueryHandler<MessageSummaryQuery> {
  constructor(private readonly queries: ReceiptQueryService) {}

  execute({ viewer, conversationId, messageId }: MessageSummaryQuery): Promise<MessageSummary> {
    return this.queries.messageSummary(viewer, conversationId, messageId);
  }
}

@QueryHandler(ConversationUnreadQuery)
export class ConversationUnreadHandler implements IQueryHandler<ConversationUnreadQuery> {
  constructor(private readonly queries: ReceiptQueryService) {}

  execute({
    viewer,
    userId,
    conversationId,
  }: ConversationUnreadQuery): Promise<ReadCursorDocument> {
    return this.queries.unread(viewer, userId, conversationId);
  }
}

@QueryHandler(UserUnreadQuery)
export class UserUnreadHandler implements IQueryHandler<UserUnreadQuery> {
  constructor(private readonly queries: ReceiptQueryService) {}

  execute({ viewer, userId }: UserUnreadQuery): Promise<UserUnread> {
    return this.queries.userUnread(viewer, userId);
  }
}
