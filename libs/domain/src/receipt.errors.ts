export type ReceiptErrorCode =
  | 'VALIDATION_FAILED'
  | 'BATCH_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'NOT_FOUND'
  | 'UNKNOWN_CONVERSATION'
  | 'UNKNOWN_MESSAGE'
  | 'NOT_YET_REGISTERED'
  | 'NOT_A_RECIPIENT'
  | 'MESSAGE_CONFLICT'
  | 'SEQUENCE_CONFLICT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'RATE_LIMITED'
  | 'TOO_MANY_CONNECTIONS'
  | 'TOO_MANY_SYNCS'
  | 'RESYNC_REQUIRED'
  | 'CONCURRENCY_CONFLICT'
  | 'STORE_UNAVAILABLE'
  | 'INTERNAL';

const RETRYABLE: ReadonlySet<ReceiptErrorCode> = new Set([
  'NOT_YET_REGISTERED',
  'RATE_LIMITED',
  'CONCURRENCY_CONFLICT',
  'STORE_UNAVAILABLE',
  'INTERNAL',
]);

/** The one error type clients see: a stable code, a message and whether retrying can help. */
export class ReceiptError extends Error {
  readonly retryable: boolean;

  constructor(
    readonly code: ReceiptErrorCode,
    message: string,
    readonly details?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
    this.name = 'ReceiptError';
    this.retryable = RETRYABLE.has(code);
  }
}

export const isReceiptError = (error: unknown): error is ReceiptError =>
  error instanceof ReceiptError;
