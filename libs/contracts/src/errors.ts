/** `details` only where a client acts on it: `retryAfterMs` of RATE_LIMITED. */
export type ErrorPayload = {
  code: string;
  message: string;
  retryable: boolean;
  details?: Readonly<Record<string, unknown>>;
};

export type AckResult =
  { ok: true; applied: number; duplicates: number } | { ok: false; error: ErrorPayload };

/** The answer to a `receipt:ack` frame: one result per item, in order, or the frame's error. */
export type AckFrameResult =
  { ok: true; results: AckResult[] } | { ok: false; error: ErrorPayload };

/** One registration's outcome in a batch: registered (201 alone), duplicate (200 alone), or its error. */
export type RegistrationResult =
  | { conversationId: string; messageId: string; status: 'registered' | 'duplicate' }
  | { conversationId: string; messageId: string; status: 'rejected'; error: ErrorPayload };
