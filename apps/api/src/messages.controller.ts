import { Body, Controller, Get, HttpCode, Param, Post, Res, UseGuards } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import {
  type MessageReceipts,
  type Principal,
  ReceiptCommandService,
  ReceiptQueryService,
} from '@receipts/application';
import { idSchema, registerMessageSchema } from '@receipts/contracts';
import { ReceiptError } from '@receipts/domain';
import type { MessageSummary } from '@receipts/read-models';
import { RegisterMessageDto } from './dto';
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
@UseGuards(IdentityGuard)
@Controller()
export class MessagesController {
  constructor(
    private readonly commands: ReceiptCommandService,
    private readonly queries: ReceiptQueryService,
  ) {}

  @Post('messages')
  @HttpCode(201)
  @ApiOperation({ summary: 'The chat server registers an accepted message (idempotent by id)' })
  async register(
    @Caller() caller: Principal,
    @Body(new ZodBodyPipe(registerMessageSchema)) body: RegisterMessageDto,
    @Res({ passthrough: true }) response: Response,
  ): Promise<{ conversationId: string; messageId: string; status: 'registered' | 'duplicate' }> {
    if (caller.kind !== 'service') {
      throw new ReceiptError('FORBIDDEN', 'Only the chat server registers messages');
    }
    const outcome = await this.commands.registerMessage(
      { type: 'RegisterMessage', data: body, metadata: { now: this.commands.now() } },
      { correlationId: body.messageId },
    );
    if (outcome.applied === 0) response.status(200);
    return {
      conversationId: body.conversationId,
      messageId: body.messageId,
      status: outcome.applied > 0 ? 'registered' : 'duplicate',
    };
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
