export type ReceiptErrorCode =
  | 'VALIDATION_FAILED'
  | 'BATCH_TOO_LARGE'
  | 'UNKNOWN_CONVERSATION'
  | 'UNKNOWN_MESSAGE'
  | 'NOT_A_MEMBER'
  | 'NOT_A_RECIPIENT'
  | 'SEQUENCE_OUT_OF_RANGE'
  | 'MESSAGE_CONFLICT'
  | 'SEQUENCE_CONFLICT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'CONCURRENCY_CONFLICT'
  | 'STORE_UNAVAILABLE'
  | 'INTERNAL';

const RETRYABLE: ReadonlySet<ReceiptErrorCode> = new Set([
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
