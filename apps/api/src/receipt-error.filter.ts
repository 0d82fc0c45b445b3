import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException } from '@nestjs/common';
import type { Response } from 'express';
import { ReceiptError } from '@receipts/domain';
import type { ErrorLog } from './error-log';
import { asReceiptError, httpStatusOf } from './error-payload';
import { sendProblem } from './problem';

/** The one place where errors become HTTP answers: problem details with a stable code. */
@Catch()
export class ReceiptErrorFilter implements ExceptionFilter {
  constructor(private readonly log: ErrorLog) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const error =
      exception instanceof HttpException ? fromHttp(exception) : asReceiptError(exception);
    this.log.note('Http', error, exception);
    const status =
      exception instanceof HttpException && error.code === 'INTERNAL'
        ? exception.getStatus()
        : httpStatusOf(error);
    sendProblem(response, error, status);
  }
}

/** Framework errors (404 route, 413 body, bad JSON, other 4xx) mapped to our codes. */
const fromHttp = (exception: HttpException): ReceiptError => {
  const status = exception.getStatus();
  if (status === 404) return new ReceiptError('NOT_FOUND', 'No such route');
  if (status === 413) return new ReceiptError('BATCH_TOO_LARGE', 'The request body is too large');
  if (status === 401) return new ReceiptError('UNAUTHENTICATED', exception.message);
  if (status === 403) return new ReceiptError('FORBIDDEN', exception.message);
  if (status === 429) return new ReceiptError('RATE_LIMITED', exception.message);
  // Any other 4xx is the caller's doing: never an INTERNAL error line.
  if (status >= 400 && status < 500)
    return new ReceiptError('VALIDATION_FAILED', exception.message);
  return asReceiptError(exception.cause ?? exception);
};
