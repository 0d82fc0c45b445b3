import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { AckItem, DeliveredAck, ReadAck } from '@receipts/contracts';
import { ReceiptError } from '@receipts/domain';
import { type Device, ackItemCommand, deliveredCommand, readCommand } from '../ack-commands';
import { AckLimits } from '../ack-limits';
import { type CommandOutcome, ReceiptCommandService } from '../receipt-command.service';

/** A `receipt:delivered` frame: the device's user received these messages. */
export class AcknowledgeDeliveryCommand extends Command<CommandOutcome> {
  constructor(
    readonly ack: DeliveredAck,
    readonly device: Device,
  ) {
    super();
  }
}

/** A `receipt:read` frame: the device's user read the conversation up to a sequence. */
export class MarkReadCommand extends Command<CommandOutcome> {
  constructor(
    readonly ack: ReadAck,
    readonly device: Device,
  ) {
    super();
  }
}

/** One item of a frame: its own ACK, whose failure stops no other item. */
export type AckItemOutcome = PromiseSettledResult<CommandOutcome>;

/** A `receipt:ack` frame: several ACKs, one bus call for all of them, answered per item in order. */
export class AcknowledgeFrameCommand extends Command<readonly AckItemOutcome[]> {
  constructor(
    readonly items: readonly AckItem[],
    readonly device: Device,
  ) {
    super();
  }
}

@CommandHandler(AcknowledgeDeliveryCommand)
export class AcknowledgeDeliveryHandler implements ICommandHandler<AcknowledgeDeliveryCommand> {
  constructor(
    private readonly service: ReceiptCommandService,
    private readonly limits: AckLimits,
  ) {}

  async execute({ ack, device }: AcknowledgeDeliveryCommand): Promise<CommandOutcome> {
    const command = deliveredCommand(ack, device, this.service.now(), this.limits.idsPerDelivery);
    return this.service.acknowledge(command, { deviceId: device.deviceId });
  }
}

@CommandHandler(MarkReadCommand)
export class MarkReadHandler implements ICommandHandler<MarkReadCommand> {
  constructor(private readonly service: ReceiptCommandService) {}

  async execute({ ack, device }: MarkReadCommand): Promise<CommandOutcome> {
    const command = readCommand(ack, device, this.service.now());
    return this.service.acknowledge(command, { deviceId: device.deviceId });
  }
}

@CommandHandler(AcknowledgeFrameCommand)
export class AcknowledgeFrameHandler implements ICommandHandler<AcknowledgeFrameCommand> {
  constructor(
    private readonly service: ReceiptCommandService,
    private readonly limits: AckLimits,
  ) {}

  /** The whole frame is refused only when it has too many items; otherwise each item answers. */
  async execute({ items, device }: AcknowledgeFrameCommand): Promise<readonly AckItemOutcome[]> {
    const { itemsPerFrame, idsPerDelivery } = this.limits;
    if (items.length > itemsPerFrame) {
      throw new ReceiptError('BATCH_TOO_LARGE', `At most ${itemsPerFrame} items per ACK frame`, {
        limit: itemsPerFrame,
        received: items.length,
      });
    }
    const now = this.service.now();
    const origin = { deviceId: device.deviceId };
    return Promise.allSettled(
      items.map(async (item) =>
        this.service.acknowledge(ackItemCommand(item, device, now, idsPerDelivery), origin),
      ),
    );
  }
}
