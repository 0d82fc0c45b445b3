import { HttpStatus } from '@nestjs/common';
import type { ErrorPayload } from '@receipts/contracts';
import { ReceiptError, type ReceiptErrorCode } from '@receipts/domain';

const HTTP_STATUS: Record<ReceiptErrorCode, HttpStatus> = {
  VALIDATION_FAILED: HttpStatus.BAD_REQUEST,
  BATCH_TOO_LARGE: HttpStatus.PAYLOAD_TOO_LARGE,
  UNSUPPORTED_MEDIA_TYPE: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
  NOT_FOUND: HttpStatus.NOT_FOUND,
  UNKNOWN_CONVERSATION: HttpStatus.NOT_FOUND,
  UNKNOWN_MESSAGE: HttpStatus.NOT_FOUND,
  NOT_YET_REGISTERED: HttpStatus.CONFLICT,
  NOT_A_RECIPIENT: HttpStatus.FORBIDDEN,
  MESSAGE_CONFLICT: HttpStatus.CONFLICT,
  SEQUENCE_CONFLICT: HttpStatus.CONFLICT,
  UNAUTHENTICATED: HttpStatus.UNAUTHORIZED,
  FORBIDDEN: HttpStatus.FORBIDDEN,
  RATE_LIMITED: HttpStatus.TOO_MANY_REQUESTS,
  TOO_MANY_CONNECTIONS: HttpStatus.TOO_MANY_REQUESTS,
  TOO_MANY_SYNCS: HttpStatus.TOO_MANY_REQUESTS,
  RESYNC_REQUIRED: HttpStatus.GONE,
  CONCURRENCY_CONFLICT: HttpStatus.SERVICE_UNAVAILABLE,
  STORE_UNAVAILABLE: HttpStatus.SERVICE_UNAVAILABLE,
  INTERNAL: HttpStatus.INTERNAL_SERVER_ERROR,
};

/** Any failure as a ReceiptError; what is not one already becomes INTERNAL, without its details. */
export const asReceiptError = (error: unknown): ReceiptError => {
  if (error instanceof ReceiptError) return error;
  return bodyReadingError(error) ?? new ReceiptError('INTERNAL', 'Internal error');
};

/**
 * Express's body parser fails with an http-errors error: a 4xx `status`, `expose: true`, and a
 * `type` (or, from a corrupt compressed stream, zlib's `code`). Every one of those is the
 * client's doing: a charset, an encoding, a compressed stream or JSON text we cannot read.
 */
const bodyReadingError = (error: unknown): ReceiptError | null => {
  if (typeof error !== 'object' || error === null) return null;
  const { status, expose, type, code } = error as Record<string, unknown>;
  if (typeof status !== 'number' || status < 400 || status >= 500 || expose !== true) return null;
  const reason = typeof type === 'string' ? type : typeof code === 'string' ? code : 'unreadable';
  if (reason === 'entity.too.large') {
    const { limit } = error as { limit?: unknown };
    return new ReceiptError('BATCH_TOO_LARGE', 'The request body is too large', {
      ...(typeof limit === 'number' ? { limitBytes: limit } : {}),
    });
  }
  if (status === 415) {
    return new ReceiptError(
      'UNSUPPORTED_MEDIA_TYPE',
      'Send JSON in UTF-8, uncompressed or compressed with gzip, deflate or br',
      { reason },
    );
  }
  if (reason === 'entity.parse.failed') {
    return new ReceiptError('VALIDATION_FAILED', 'The request body is not valid JSON');
  }
  return new ReceiptError('VALIDATION_FAILED', 'The request body could not be read', { reason });
};

export const toErrorPayload = (error: ReceiptError): ErrorPayload & { details?: unknown } => ({
  code: error.code,
  message: error.message,
  retryable: error.retryable,
  ...(error.details ? { details: error.details } : {}),
});

export const httpStatusOf = (error: ReceiptError): HttpStatus => HTTP_STATUS[error.code];

/** Faults of ours rather than the caller's: logged with their cause, answered without it. */
export const isServerFault = (error: ReceiptError): boolean =>
  error.code === 'INTERNAL' || error.code === 'STORE_UNAVAILABLE';

/**
 * Codes whose details a client acts on (how long to wait, where to go on from, the limit it
 * hit), so they travel with the answer.
 */
const ANSWERED_DETAILS: ReadonlySet<ReceiptErrorCode> = new Set([
  'RATE_LIMITED',
  'RESYNC_REQUIRED',
  'TOO_MANY_SYNCS',
]);

/** A failure answered inside a success envelope (socket ACK, batch item): logged, then typed. */
export const answerOf = (
  exception: unknown,
  log: { note: (context: string, error: ReceiptError, exception: unknown) => void },
  context: string,
): ErrorPayload => {
  const error = asReceiptError(exception);
  log.note(context, error, exception);
  const { code, message, retryable, details } = error;
  return ANSWERED_DETAILS.has(code) && details
    ? { code, message, retryable, details }
    : { code, message, retryable };
};

/** Seconds to wait, for a Retry-After header, when the error says how long. */
export const retryAfterSeconds = (error: ReceiptError): number | null => {
  const wait = error.details?.retryAfterMs;
  return typeof wait === 'number' ? Math.max(1, Math.ceil(wait / 1000)) : null;
};
