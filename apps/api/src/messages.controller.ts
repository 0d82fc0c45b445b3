import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  Post,
  Query,
  Res,
  UseGuards,
} from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import {
  type MessageReceipts,
  MessageReceiptsQuery,
  MessageSummaryQuery,
  type Principal,
  type RecipientsPage,
  RegisterMessageCommand,
  RegisterMessagesCommand,
  recipientsPage,
} from '@receipts/application';
import {
  MAX_REGISTRATION_BATCH,
  type RecipientsPageQuery,
  type RegistrationResult,
  idSchema,
  recipientsPageSchema,
  registerMessageSchema,
  registerMessagesSchema,
} from '@receipts/contracts';
import { ReceiptError } from '@receipts/domain';
import type { MessageSummary } from '@receipts/read-models';
import { RegisterMessageDto, RegisterMessagesDto } from './dto';
import { ErrorLog } from './error-log';
import { answerOf } from './error-payload';
import { Caller, IdentityGuard } from './identity.guard';
import { ZodBodyPipe } from './zod-body.pipe';

const Id = new ZodBodyPipe(idSchema);

@ApiTags('messages')
@ApiHeader({ name: 'x-user-id', required: false, description: 'Development identity of a user' })
@ApiHeader({
  name: 'x-service-name',
  required: false,
  description: 'Development identity of a service',
})
@ApiBearerAuth()
@UseGuards(IdentityGuard)
@Controller()
export class MessagesController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    private readonly errors: ErrorLog,
  ) {}

  @Post('messages')
  @HttpCode(201)
  @ApiOperation({ summary: 'The chat server registers an accepted message (idempotent by id)' })
  async register(
    @Caller() caller: Principal,
    @Body(new ZodBodyPipe(registerMessageSchema)) body: RegisterMessageDto,
    @Res({ passthrough: true }) response: Response,
  ): Promise<{ conversationId: string; messageId: string; status: 'registered' | 'duplicate' }> {
    requireChatServer(caller);
    const status = await this.commands.execute(new RegisterMessageCommand(body));
    if (status === 'duplicate') response.status(200);
    return { conversationId: body.conversationId, messageId: body.messageId, status };
  }

  @Post('messages/batch')
  @HttpCode(200)
  @ApiOperation({
    summary: 'The chat server registers many messages at once; each has its own outcome',
    description:
      `At most ${MAX_REGISTRATION_BATCH} messages. Messages of one conversation are registered ` +
      'in the order given. An invalid body registers nothing; a message that fails (a conflict, ' +
      'a store fault) does not stop the others, and its result says why and whether to retry.',
  })
  async registerBatch(
    @Caller() caller: Principal,
    @Body(new ZodBodyPipe(registerMessagesSchema)) body: RegisterMessagesDto,
  ): Promise<{ results: RegistrationResult[] }> {
    requireChatServer(caller);
    if (body.messages.length > MAX_REGISTRATION_BATCH) {
      throw new ReceiptError(
        'BATCH_TOO_LARGE',
        `At most ${MAX_REGISTRATION_BATCH} messages per registration batch`,
        { limit: MAX_REGISTRATION_BATCH, received: body.messages.length },
      );
    }
    const outcomes = await this.commands.execute(new RegisterMessagesCommand(body.messages));
    const results = body.messages.map(({ conversationId, messageId }, i): RegistrationResult => {
      const outcome = outcomes[i]!;
      if (outcome.status === 'fulfilled')
        return { conversationId, messageId, status: outcome.value };
      const error = answerOf(outcome.reason, this.errors, 'Registrations');
      return { conversationId, messageId, status: 'rejected', error };
    });
    return { results };
  }

  @Get('conversations/:conversationId/messages/:messageId/receipts')
  @ApiOperation({
    summary: "Every recipient's state and times (the sender's detail view), or a page of them",
  })
  @ApiQuery({ name: 'after', required: false, description: 'Recipients after this user id' })
  @ApiQuery({ name: 'limit', required: false, description: 'At most this many recipients' })
  async receipts(
    @Caller() caller: Principal,
    @Param('conversationId', Id) conversationId: string,
    @Param('messageId', Id) messageId: string,
    @Query(new ZodBodyPipe(recipientsPageSchema)) page: RecipientsPageQuery,
  ): Promise<MessageReceipts | RecipientsPage> {
    const receipts = await this.queries.execute(
      new MessageReceiptsQuery(caller, conversationId, messageId),
    );
    if (page.after === undefined && page.limit === undefined) return receipts;
    return recipientsPage(receipts, page.after, page.limit ?? receipts.recipients.length);
  }

  @Get('conversations/:conversationId/messages/:messageId/summary')
  @ApiOperation({ summary: 'Delivered and read counts of a message' })
  summary(
    @Caller() caller: Principal,
    @Param('conversationId', Id) conversationId: string,
    @Param('messageId', Id) messageId: string,
  ): Promise<MessageSummary> {
    return this.queries.execute(new MessageSummaryQuery(caller, conversationId, messageId));
  }
}

const requireChatServer = (caller: Principal): void => {
  if (caller.kind !== 'service') {
    throw new ReceiptError('FORBIDDEN', 'Only the chat server registers messages');
  }
};
