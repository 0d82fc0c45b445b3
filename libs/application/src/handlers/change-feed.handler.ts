import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { FeedPage } from '@receipts/contracts';
import { ChangeFeedService } from '../change-feed.service';
import type { Principal } from '../principal';

/** A page of a user's change feed after a position (REST and `receipt:resume`). */
export class ChangeFeedQuery extends Query<FeedPage> {
  constructor(
    readonly viewer: Principal,
    readonly userId: string,
    readonly after: number,
    readonly limit: number,
  ) {
    super();
  }
}

@QueryHandler(ChangeFeedQuery)
export class ChangeFeedHandler implements IQueryHandler<ChangeFeedQuery> {
  constructor(private readonly feed: ChangeFeedService) {}

  execute({ viewer, userId, after, limit }: ChangeFeedQuery): Promise<FeedPage> {
    return this.feed.page(viewer, userId, after, limit);
  }
}
