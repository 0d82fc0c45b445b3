import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import {
  ExplainMessageQuery,
  ExplainUnreadQuery,
  type MessageExplanation,
  type Principal,
  type UnreadExplanation,
} from '@receipts/application';
import { idSchema } from '@receipts/contracts';
import { Caller, IdentityGuard } from './identity.guard';
import { ZodBodyPipe } from './zod-body.pipe';

const Id = new ZodBodyPipe(idSchema);
const OptionalId = new ZodBodyPipe(idSchema.optional());
const Limit = new ZodBodyPipe(z.coerce.number().int().min(1).max(1000).default(100));

/** Answers to support questions, for operators (a service identity): the CLI's explain commands. */
@ApiTags('operators')
@ApiHeader({
  name: 'x-service-name',
  required: false,
  description: 'Development identity of a service',
})
@ApiBearerAuth()
@UseGuards(IdentityGuard)
@Controller('ops/explain')
export class ExplainController {
  constructor(private readonly queries: QueryBus) {}

  @Get('unread/:userId')
  @ApiOperation({
    summary: "Which messages make a user's unread count, and the cursors they count from",
  })
  unread(
    @Caller() caller: Principal,
    @Param('userId', Id) userId: string,
    @Query('conversation', OptionalId) conversationId: string | undefined,
    @Query('limit', Limit) limit: number,
  ): Promise<UnreadExplanation> {
    return this.queries.execute(new ExplainUnreadQuery(caller, userId, conversationId, limit));
  }

  @Get('conversations/:conversationId/messages/:messageId')
  @ApiOperation({ summary: "The events behind each recipient's state of a message" })
  message(
    @Caller() caller: Principal,
    @Param('conversationId', Id) conversationId: string,
    @Param('messageId', Id) messageId: string,
  ): Promise<MessageExplanation> {
    return this.queries.execute(new ExplainMessageQuery(caller, conversationId, messageId));
  }
}
