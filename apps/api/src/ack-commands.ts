import {
  type AckItem,
  type DeliveredAck,
  MAX_DELIVERED_BATCH,
  type ReadAck,
} from '@receipts/contracts';
import { type ReceiptCommand, ReceiptError } from '@receipts/domain';

export type Device = Readonly<{ userId: string; deviceId: string }>;

/** An ACK always acts as the authenticated device's user: the payload cannot name another. */
export const deliveredCommand = (
  ack: DeliveredAck,
  device: Device,
  now: string,
): ReceiptCommand => {
  const metadata = { now };
  if ('upToSequence' in ack) {
    return {
      type: 'AcknowledgeDeliveryUpTo',
      data: { ...device, conversationId: ack.conversationId, upToSequence: ack.upToSequence },
      metadata,
    };
  }
  if (ack.messageIds.length > MAX_DELIVERED_BATCH) {
    throw new ReceiptError(
      'BATCH_TOO_LARGE',
      `At most ${MAX_DELIVERED_BATCH} message ids per delivered ACK`,
      { limit: MAX_DELIVERED_BATCH, received: ack.messageIds.length },
    );
  }
  return {
    type: 'AcknowledgeDelivery',
    data: { ...device, conversationId: ack.conversationId, messageIds: ack.messageIds },
    metadata,
  };
};

export const readCommand = (ack: ReadAck, device: Device, now: string): ReceiptCommand => ({
  type: 'MarkConversationRead',
  data: { ...device, conversationId: ack.conversationId, upToSequence: ack.upToSequence },
  metadata: { now },
});

/** One item of a `receipt:ack` frame as the command its single-event form would give. */
export const ackItemCommand = (item: AckItem, device: Device, now: string): ReceiptCommand => {
  switch (item.type) {
    case 'delivered':
      return deliveredCommand(item, device, now);
    case 'delivered_up_to':
      return deliveredCommand(item, device, now);
    case 'read':
      return readCommand(item, device, now);
    default: {
      const unexpected: never = item;
      return unexpected;
    }
  }
};
