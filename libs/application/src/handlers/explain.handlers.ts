import { type IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { ReceiptError } from '@receipts/domain';
import type { EventStore } from '@receipts/event-store';
import type { ReadStore } from '@receipts/read-store';
import { type MessageExplanation, explainMessage } from '../explain/explain-message';
import { type UnreadExplanation, explainUnread } from '../explain/explain-unread';
import type { Principal } from '../principal';

/** The log and the read models, as support questions read them. */
export class SupportSources {
  constructor(
    readonly events: EventStore,
    readonly reads: ReadStore,
  ) {}
}

/** Which messages make a user's unread count (operators only). */
export class ExplainUnreadQuery extends Query<UnreadExplanation> {
  constructor(
    readonly viewer: Principal,
    readonly userId: string,
    readonly conversationId: string | undefined,
    readonly limit: number,
  ) {
    super();
  }
}

/** The events behind each recipient's state of a message (operators only). */
export class ExplainMessageQuery extends Query<MessageExplanation> {
  constructor(
    readonly viewer: Principal,
    readonly conversationId: string,
    readonly messageId: string,
  ) {
    super();
  }
}

/** Support answers show any user's data: for operators, who call with a service identity. */
const requireOperator = (viewer: Principal): void => {
  if (viewer.kind !== 'service') {
    throw new ReceiptError('FORBIDDEN', 'Explanations are for operators (a service identity)');
  }
};

@QueryHandler(ExplainUnreadQuery)
export class ExplainUnreadHandler implements IQueryHandler<ExplainUnreadQuery> {
  constructor(private readonly sources: SupportSources) {}

  execute({
    viewer,
    userId,
    conversationId,
    limit,
  }: ExplainUnreadQuery): Promise<UnreadExplanation> {
    requireOperator(viewer);
    return explainUnread(this.sources.reads, userId, conversationId, limit);
  }
}

@QueryHandler(ExplainMessageQuery)
export class ExplainMessageHandler implements IQueryHandler<ExplainMessageQuery> {
  constructor(private readonly sources: SupportSources) {}

  execute({ viewer, conversationId, messageId }: ExplainMessageQuery): Promise<MessageExplanation> {
    requireOperator(viewer);
    return explainMessage(this.sources.events, this.sources.reads, conversationId, messageId);
  }
}

export const EXPLAIN_HANDLERS = [ExplainUnreadHandler, ExplainMessageHandler];
