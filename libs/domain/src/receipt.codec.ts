import { z } from 'zod';
import { type DomainEvent, type DomainEventType, schemaVersionOf } from './receipt.events';
import { ID_PATTERN } from './streams';

const id = z.string().regex(ID_PATTERN);
const sequence = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
const cursor = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const time = z.iso.datetime();

const schemas = {
  message_sent: z.object({
    conversationId: id,
    messageId: id,
    senderId: id,
    sequence,
    recipientIds: z.array(id),
    sentAt: time,
  }),
  message_delivered: z.object({
    conversationId: id,
    userId: id,
    deviceId: id,
    deliveredAt: time,
    messages: z.array(z.object({ messageId: id, sequence, senderId: id })).min(1),
  }),
  conversation_read: z
    .object({
      conversationId: id,
      userId: id,
      deviceId: id.nullable(),
      readUpToSequence: sequence,
      previousReadUpToSequence: cursor,
      previousSharedReadUpToSequence: cursor.optional(),
      receiptsShared: z.boolean(),
      readAt: time,
    })
    // Recorded before the shared cursor was: read as if it stood where the cursor did.
    .transform((data) => ({
      ...data,
      previousSharedReadUpToSequence:
        data.previousSharedReadUpToSequence ?? data.previousReadUpToSequence,
    })),
  read_receipts_changed: z.object({ userId: id, enabled: z.boolean(), changedAt: time }),
} satisfies Record<DomainEventType, z.ZodType>;

export const isDomainEventType = (type: string): type is DomainEventType =>
  Object.hasOwn(schemas, type);

/** Older versions of a type, read into its current shape. */
const upcasters: Partial<Record<DomainEventType, Record<number, z.ZodType>>> = {
  // Version 1 recorded one event per delivered message.
  message_delivered: {
    1: z
      .object({
        conversationId: id,
        messageId: id,
        sequence,
        senderId: id,
        userId: id,
        deviceId: id,
        deliveredAt: time,
      })
      .transform(({ messageId, sequence, senderId, ...ack }) => ({
        ...ack,
        messages: [{ messageId, sequence, senderId }],
      })),
  },
};

/**
 * Turns a stored event back into a domain event of the current version, checking its shape, so
 * a corrupt or foreign record stops at the boundary instead of inside a projection.
 */
export const decodeEvent = (type: string, schemaVersion: number, data: unknown): DomainEvent => {
  if (!isDomainEventType(type)) throw new Error(`Unknown event type '${type}'`);
  const schema =
    schemaVersion === schemaVersionOf(type) ? schemas[type] : upcasters[type]?.[schemaVersion];
  if (!schema) throw new Error(`Unsupported schema version ${schemaVersion} of '${type}'`);
  return { type, data: schema.parse(data) } as DomainEvent;
};
