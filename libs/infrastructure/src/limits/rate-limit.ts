import { ReceiptError } from '@receipts/domain';

/** Admitted, or refused until the window ends. */
export type RateDecision = Readonly<{ admitted: true } | { admitted: false; retryAfterMs: number }>;

/** A budget of events per key and window; one `take` spends one. */
export interface RateLimit {
  take(key: string): Promise<RateDecision>;
}

/** A limit of 0 per second: everything is admitted. */
export const UNLIMITED: RateLimit = { take: () => Promise.resolve({ admitted: true }) };

/** What a refused caller is answered: retryable, after the wait the limit names. */
export const rateLimited = (
  scope: string,
  retryAfterMs: number,
  extra: Readonly<Record<string, unknown>> = {},
): ReceiptError =>
  new ReceiptError('RATE_LIMITED', `Too many requests (${scope}); retry after ${retryAfterMs} ms`, {
    scope,
    retryAfterMs,
    ...extra,
  });
