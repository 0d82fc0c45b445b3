import { z } from 'zod';

/**
 * Most ids the SDK puts in one delivered ACK, and the server's default limit
 * (RECEIPTS_MAX_DELIVERED_IDS); larger batches are rejected whole (BATCH_TOO_LARGE).
 */
export const MAX_DELIVERED_BATCH = 500;
/** Most registrations one batch request may carry; larger batches are rejected whole. */
export const MAX_REGISTRATION_BATCH = 500;
/** Largest group a message may be registered for. */
export const MAX_RECIPIENTS = 5000;

const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const idSchema = z
  .string()
  .regex(ID_PATTERN, 'must be 1-64 characters of A-Z, a-z, 0-9, _ or -');
export const sequenceSchema = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

export const deliveredAckSchema = z.union([
  z.strictObject({
    conversationId: idSchema,
    messageIds: z.array(idSchema).min(1),
  }),
  z.strictObject({ conversationId: idSchema, upToSequence: sequenceSchema }),
]);
export type DeliveredAck = z.infer<typeof deliveredAckSchema>;

export const readAckSchema = z.strictObject({
  conversationId: idSchema,
  upToSequence: sequenceSchema,
});
export type ReadAck = z.infer<typeof readAckSchema>;

/**
 * Most items one `receipt:ack` frame carries from the SDK, and the service's default limit
 * (RECEIPTS_MAX_ACK_ITEMS); each delivered item at most MAX_DELIVERED_BATCH ids.
 */
export const MAX_ACK_ITEMS = 200;

/**
 * A device's receipts for several conversations in one frame: what it batched over a short
 * window. Each item is one ACK and gets its own answer, in order.
 */
export const ackItemSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('delivered'),
    conversationId: idSchema,
    messageIds: z.array(idSchema).min(1),
  }),
  z.strictObject({
    type: z.literal('delivered_up_to'),
    conversationId: idSchema,
    upToSequence: sequenceSchema,
  }),
  z.strictObject({
    type: z.literal('read'),
    conversationId: idSchema,
    upToSequence: sequenceSchema,
  }),
]);
export type AckItem = z.infer<typeof ackItemSchema>;

export const ackFrameSchema = z.strictObject({ items: z.array(ackItemSchema).min(1) });
export type AckFrame = z.infer<typeof ackFrameSchema>;

export const registerMessageSchema = z
  .strictObject({
    messageId: idSchema,
    conversationId: idSchema,
    senderId: idSchema,
    sequence: sequenceSchema,
    recipientIds: z
      .array(idSchema)
      .min(1)
      .max(MAX_RECIPIENTS)
      .refine((ids) => new Set(ids).size === ids.length, 'must not repeat an id'),
    sentAt: z.iso.datetime({ offset: true }),
  })
  .refine((m) => !m.recipientIds.includes(m.senderId), {
    message: 'must not include the sender',
    path: ['recipientIds'],
  });
export type RegisterMessageBody = z.infer<typeof registerMessageSchema>;

/** The chat server's batch: many registrations in one request, each with its own outcome. */
export const registerMessagesSchema = z.strictObject({
  messages: z.array(registerMessageSchema).min(1),
});
export type RegisterMessagesBody = z.infer<typeof registerMessagesSchema>;

export const readReceiptsSettingSchema = z.strictObject({ enabled: z.boolean() });

/** Most feed entries one page holds (REST `limit`, `receipt:resume`). */
export const MAX_FEED_PAGE = 500;
export const DEFAULT_FEED_PAGE = 100;

const feedPositionSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** `receipt:resume`: the feed after the last position the device applied. */
export const resumeSchema = z.strictObject({
  after: feedPositionSchema,
  limit: z.number().int().min(1).max(MAX_FEED_PAGE).optional(),
});
export type ResumeRequest = z.infer<typeof resumeSchema>;

/** `GET /users/:u/feed?after=&limit=`: query strings, as integers. */
export const feedQuerySchema = z.strictObject({
  after: z.coerce.number().pipe(feedPositionSchema).default(0),
  limit: z.coerce.number().int().min(1).max(MAX_FEED_PAGE).default(DEFAULT_FEED_PAGE),
});
export type FeedQuery = z.infer<typeof feedQuerySchema>;

/** `receipt:sync:start` / `receipt:sync:stop`: one conversation's per-member progress. */
export const syncSchema = z.strictObject({ conversationId: idSchema });
export type SyncRequest = z.infer<typeof syncSchema>;

/** Concurrent syncs one device may hold by default (RECEIPTS_MAX_SYNCS_PER_DEVICE). */
export const DEFAULT_MAX_SYNCS_PER_DEVICE = 10;
/** Largest message (recipients) whose sync updates name each member by default. */
export const DEFAULT_SYNC_MEMBER_DETAIL_MAX = 100;

/** `GET …/receipts?after=&limit=`: the detail view's recipients a page at a time, by user id. */
export const recipientsPageSchema = z.strictObject({
  after: idSchema.optional(),
  limit: z.coerce.number().int().min(1).max(MAX_RECIPIENTS).optional(),
});
export type RecipientsPageQuery = z.infer<typeof recipientsPageSchema>;
