import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { type CommandOutcome, ReceiptCommandService } from '../receipt-command.service';

/** `PUT /users/:u/settings/read-receipts`: a user turns read receipts on or off. */
export class SetReadReceiptsCommand extends Command<CommandOutcome> {
  constructor(
    readonly userId: string,
    readonly enabled: boolean,
  ) {
    super();
  }
}

@CommandHandler(SetReadReceiptsCommand)
export class SetReadReceiptsHandler implements ICommandHandler<SetReadReceiptsCommand> {
  constructor(private readonly service: ReceiptCommandService) {}

  execute({ userId, enabled }: SetReadReceiptsCommand): Promise<CommandOutcome> {
    return this.service.setReadReceipts(userId, enabled, this.service.now());
  }
}
