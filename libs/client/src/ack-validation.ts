import { type AckItem, type AckResult, ackItemSchema } from '@receipts/contracts';

/**
 * An item checked against the contract before it is queued: one malformed item would get its
 * whole frame refused, and with it the other conversations' ACKs.
 */
export const invalidItem = (item: AckItem): AckResult | null => {
  const parsed = ackItemSchema.safeParse(item);
  if (parsed.success) return null;
  const issues = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`);
  const message = `Invalid ${item.type} ACK: ${issues.join('; ')}`;
  return { ok: false, error: { code: 'VALIDATION_FAILED', message, retryable: false } };
};
