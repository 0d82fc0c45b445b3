import { ReceiptsClient } from '@receipts/client';
import type { DemoChat } from './demo-chat';

const between = (low: number, high: number): number => low + Math.random() * (high - low);

/**
 * Group members nobody types for: each one's phone ACKs delivery of a message addressed to it
 * within a second or so, and reads it a few seconds later, through the SDK like any device.
 */
export const simulateMembers = (chat: DemoChat, userIds: readonly string[]): void => {
  const phones = new Map(
    userIds.map((userId) => {
      const client = new ReceiptsClient({
        url: location.origin,
        userId,
        deviceId: 'sim',
        refreshOnConnect: false,
        catchUp: false,
      });
      void client.connect();
      return [userId, client];
    }),
  );
  chat.onMessage((message) => {
    for (const recipient of message.recipientIds) {
      const phone = phones.get(recipient);
      if (!phone) continue;
      setTimeout(
        () => void phone.markDelivered(message.conversationId, [message.messageId]),
        between(500, 1500),
      );
      setTimeout(
        () => void phone.markRead(message.conversationId, message.sequence),
        between(1500, 4000),
      );
    }
  });
};
