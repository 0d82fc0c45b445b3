import { Body, Controller, Get, HttpCode, Param, Put, Query, UseGuards } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import {
  ChangeFeedQuery,
  ConversationUnreadQuery,
  type Principal,
  SetReadReceiptsCommand,
  UserUnreadQuery,
} from '@receipts/application';
import {
  type FeedPage,
  type FeedQuery,
  feedQuerySchema,
  idSchema,
  readReceiptsSettingSchema,
} from '@receipts/contracts';
import { ReceiptError } from '@receipts/domain';
import type { ReadCursorDocument, UserUnread } from '@receipts/read-models';
import { ReadReceiptsSettingDto } from './dto';
import { Caller, IdentityGuard } from './identity.guard';
import { ZodBodyPipe } from './zod-body.pipe';

const Id = new ZodBodyPipe(idSchema);

@ApiTags('users')
@ApiHeader({ name: 'x-user-id', required: false, description: 'Development identity of a user' })
@ApiBearerAuth()
@UseGuards(IdentityGuard)
@Controller('users/:userId')
export class UsersController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Get('unread')
  @ApiOperation({ summary: "All of a user's unread counts, with the total" })
  unread(@Caller() caller: Principal, @Param('userId', Id) userId: string): Promise<UserUnread> {
    return this.queries.execute(new UserUnreadQuery(caller, userId));
  }

  @Get('feed')
  @ApiOperation({
    summary: "A page of a user's change feed after a position: what their pushes said since",
  })
  @ApiQuery({ name: 'after', required: false, description: 'Last position applied (default 0)' })
  @ApiQuery({ name: 'limit', required: false, description: 'At most this many entries (1-500)' })
  feed(
    @Caller() caller: Principal,
    @Param('userId', Id) userId: string,
    @Query(new ZodBodyPipe(feedQuerySchema)) query: FeedQuery,
  ): Promise<FeedPage> {
    return this.queries.execute(new ChangeFeedQuery(caller, userId, query.after, query.limit));
  }

  @Get('conversations/:conversationId/unread')
  @ApiOperation({ summary: "A user's read cursor and unread count in one conversation" })
  conversationUnread(
    @Caller() caller: Principal,
    @Param('userId', Id) userId: string,
    @Param('conversationId', Id) conversationId: string,
  ): Promise<ReadCursorDocument> {
    return this.queries.execute(new ConversationUnreadQuery(caller, userId, conversationId));
  }

  @Put('settings/read-receipts')
  @HttpCode(200)
  @ApiOperation({ summary: 'Turn read receipts on or off (off: senders never see your reads)' })
  async setReadReceipts(
    @Caller() caller: Principal,
    @Param('userId', Id) userId: string,
    @Body(new ZodBodyPipe(readReceiptsSettingSchema)) body: ReadReceiptsSettingDto,
  ): Promise<{ userId: string; readReceipts: boolean }> {
    if (caller.kind !== 'user' || caller.userId !== userId) {
      throw new ReceiptError('FORBIDDEN', 'Users change only their own settings');
    }
    await this.commands.execute(new SetReadReceiptsCommand(userId, body.enabled));
    return { userId, readReceipts: body.enabled };
  }
}
