import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { RegisterMessageBody } from '@receipts/contracts';
import { ReceiptCommandService } from '../receipt-command.service';

export type RegistrationStatus = 'registered' | 'duplicate';

/** `POST /messages`: the chat server registers one accepted message (idempotent by id). */
export class RegisterMessageCommand extends Command<RegistrationStatus> {
  constructor(readonly message: RegisterMessageBody) {
    super();
  }
}

/** `POST /messages/batch`: many registrations in one bus call, each with its own outcome. */
export class RegisterMessagesCommand extends Command<
  readonly PromiseSettledResult<RegistrationStatus>[]
> {
  constructor(readonly messages: readonly RegisterMessageBody[]) {
    super();
  }
}

/** Commands on one conversation run in call order, so a batch keeps its sequences in order. */
const register = async (
  service: ReceiptCommandService,
  message: RegisterMessageBody,
): Promise<RegistrationStatus> => {
  const outcome = await service.registerMessage(
    { type: 'RegisterMessage', data: message, metadata: { now: service.now() } },
    { correlationId: message.messageId },
  );
  return outcome.applied > 0 ? 'registered' : 'duplicate';
};

@CommandHandler(RegisterMessageCommand)
export class RegisterMessageHandler implements ICommandHandler<RegisterMessageCommand> {
  constructor(private readonly service: ReceiptCommandService) {}

  execute({ message }: RegisterMessageCommand): Promise<RegistrationStatus> {
    return register(this.service, message);
  }
}

@CommandHandler(RegisterMessagesCommand)
export class RegisterMessagesHandler implements ICommandHandler<RegisterMessagesCommand> {
  constructor(private readonly service: ReceiptCommandService) {}

  execute({
    messages,
  }: RegisterMessagesCommand): Promise<readonly PromiseSettledResult<RegistrationStatus>[]> {
    return Promise.allSettled(messages.map((message) => register(this.service, message)));
  }
}
