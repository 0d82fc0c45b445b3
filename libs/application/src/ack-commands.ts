import type { AckItem, DeliveredAck, ReadAck } from '@receipts/contracts';
import { type ReceiptCommand, ReceiptError } from '@receipts/domain';

export type Device = Readonly<{ userId: string; deviceId: string }>;

/**
 * An ACK always acts as the authenticated device's user: the payload cannot name another. A
 * batch holds at most `maxIds` ids (RECEIPTS_MAX_DELIVERED_IDS).
 */
export const deliveredCommand = (
  ack: DeliveredAck,
  device: Device,
  now: string,
  maxIds: number,
): ReceiptCommand => {
  const metadata = { now };
  if ('upToSequence' in ack) {
    return {
      type: 'AcknowledgeDeliveryUpTo',
      data: { ...device, conversationId: ack.conversationId, upToSequence: ack.upToSequence },
      metadata,
    };
  }
  if (ack.messageIds.length > maxIds) {
    throw new ReceiptError('BATCH_TOO_LARGE', `At most ${maxIds} message ids per delivered ACK`, {
      limit: maxIds,
      received: ack.messageIds.length,
    });
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
export const ackItemCommand = (
  item: AckItem,
  device: Device,
  now: string,
  maxIds: number,
): ReceiptCommand => {
  switch (item.type) {
    case 'delivered':
      return deliveredCommand(item, device, now, maxIds);
    case 'delivered_up_to':
      return deliveredCommand(item, device, now, maxIds);
    case 'read':
      return readCommand(item, device, now);
    default: {
      const unexpected: never = item;
      return unexpected;
    }
  }
};
