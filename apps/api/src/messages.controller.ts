import { Body, Controller, Get, HttpCode, Param, Post, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import {
  type MessageReceipts,
  type Principal,
  ReceiptCommandService,
  ReceiptQueryService,
} from '@receipts/application';
import {
  MAX_REGISTRATION_BATCH,
  type RegisterMessageBody,
  type RegistrationResult,
  idSchema,
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
    private readonly commands: ReceiptCommandService,
    private readonly queries: ReceiptQueryService,
    private readonly errors: ErrorLog,
  ) {}

  /** Commands on one conversation run in call order, so a batch keeps its sequences in order. */
  private async registerOne(body: RegisterMessageBody): Promise<'registered' | 'duplicate'> {
    const outcome = await this.commands.registerMessage(
      { type: 'RegisterMessage', data: body, metadata: { now: this.commands.now() } },
      { correlationId: body.messageId },
    );
    return outcome.applied > 0 ? 'registered' : 'duplicate';
  }

  @Post('messages')
  @HttpCode(201)
  @ApiOperation({ summary: 'The chat server registers an accepted message (idempotent by id)' })
  async register(
    @Caller() caller: Principal,
    @Body(new ZodBodyPipe(registerMessageSchema)) body: RegisterMessageDto,
    @Res({ passthrough: true }) response: Response,
  ): Promise<{ conversationId: string; messageId: string; status: 'registered' | 'duplicate' }> {
    requireChatServer(caller);
    const status = await this.registerOne(body);
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
    const results = await Promise.all(
      body.messages.map(async (message): Promise<RegistrationResult> => {
        const { conversationId, messageId } = message;
        try {
          return { conversationId, messageId, status: await this.registerOne(message) };
        } catch (exception) {
          const error = answerOf(exception, this.errors, 'Registrations');
          return { conversationId, messageId, status: 'rejected', error };
        }
      }),
    );
    return { results };
  }

  @Get('conversations/:conversationId/messages/:messageId/receipts')
  @ApiOperation({ summary: "Every recipient's state and times (the sender's detail view)" })
  receipts(
    @Caller() caller: Principal,
    @Param('conversationId', Id) conversationId: string,
    @Param('messageId', Id) messageId: string,
  ): Promise<MessageReceipts> {
    return this.queries.messageReceipts(caller, conversationId, messageId);
  }

  @Get('conversations/:conversationId/messages/:messageId/summary')
  @ApiOperation({ summary: 'Delivered and read counts of a message' })
  summary(
    @Caller() caller: Principal,
    @Param('conversationId', Id) conversationId: string,
    @Param('messageId', Id) messageId: string,
  ): Promise<MessageSummary> {
    return this.queries.messageSummary(caller, conversationId, messageId);
  }
}

const requireChatServer = (caller: Principal): void => {
  if (caller.kind !== 'service') {
    throw new ReceiptError('FORBIDDEN', 'Only the chat server registers messages');
  }
};
