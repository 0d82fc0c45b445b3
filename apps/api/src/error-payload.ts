import { HttpStatus, type Logger } from '@nestjs/common';
import type { ErrorPayload } from '@receipts/contracts';
import { ReceiptError, type ReceiptErrorCode } from '@receipts/domain';

const HTTP_STATUS: Record<ReceiptErrorCode, HttpStatus> = {
  VALIDATION_FAILED: HttpStatus.BAD_REQUEST,
  BATCH_TOO_LARGE: HttpStatus.PAYLOAD_TOO_LARGE,
  UNKNOWN_CONVERSATION: HttpStatus.NOT_FOUND,
  UNKNOWN_MESSAGE: HttpStatus.NOT_FOUND,
  NOT_A_MEMBER: HttpStatus.FORBIDDEN,
  NOT_A_RECIPIENT: HttpStatus.FORBIDDEN,
  SEQUENCE_OUT_OF_RANGE: HttpStatus.UNPROCESSABLE_ENTITY,
  MESSAGE_CONFLICT: HttpStatus.CONFLICT,
  SEQUENCE_CONFLICT: HttpStatus.CONFLICT,
  UNAUTHENTICATED: HttpStatus.UNAUTHORIZED,
  FORBIDDEN: HttpStatus.FORBIDDEN,
  CONCURRENCY_CONFLICT: HttpStatus.SERVICE_UNAVAILABLE,
  STORE_UNAVAILABLE: HttpStatus.SERVICE_UNAVAILABLE,
  INTERNAL: HttpStatus.INTERNAL_SERVER_ERROR,
};

/** Any failure as a ReceiptError; what is not one already becomes INTERNAL, without its details. */
export const asReceiptError = (error: unknown): ReceiptError => {
  if (error instanceof ReceiptError) return error;
  if (bodyParserError(error) === 'entity.parse.failed') {
    return new ReceiptError('VALIDATION_FAILED', 'The request body is not valid JSON');
  }
  if (bodyParserError(error) === 'entity.too.large') {
    return new ReceiptError('BATCH_TOO_LARGE', 'The request body is larger than 1 MB');
  }
  return new ReceiptError('INTERNAL', 'Internal error');
};

export const toErrorPayload = (error: ReceiptError): ErrorPayload & { details?: unknown } => ({
  code: error.code,
  message: error.message,
  retryable: error.retryable,
  ...(error.details ? { details: error.details } : {}),
});

export const httpStatusOf = (error: ReceiptError): HttpStatus => HTTP_STATUS[error.code];

/** Express's body parser reports its failures with a `type` string. */
const bodyParserError = (error: unknown): string | undefined =>
  typeof error === 'object' && error !== null && 'type' in error && typeof error.type === 'string'
    ? error.type
    : undefined;

/** Faults of ours rather than the caller's: logged with their cause, answered without it. */
export const isServerFault = (error: ReceiptError): boolean =>
  error.code === 'INTERNAL' || error.code === 'STORE_UNAVAILABLE';

/** A failure answered inside a success envelope (socket ACK, batch item): logged if ours, then typed. */
export const answerOf = (exception: unknown, logger: Logger): ErrorPayload => {
  const error = asReceiptError(exception);
  if (isServerFault(error)) logger.error(error.cause ?? exception);
  return { code: error.code, message: error.message, retryable: error.retryable };
};
