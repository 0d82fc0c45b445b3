import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  Logger,
} from '@nestjs/common';
import type { Response } from 'express';
import { ReceiptError } from '@receipts/domain';
import { asReceiptError, httpStatusOf, isServerFault, toErrorPayload } from './error-payload';

/** The one place where errors become HTTP answers: problem details with a stable code. */
@Catch()
export class ReceiptErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('Http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const error =
      exception instanceof HttpException ? fromHttp(exception) : asReceiptError(exception);
    if (isServerFault(error)) this.logger.error(error.cause ?? exception);
    const status =
      exception instanceof HttpException && error.code === 'INTERNAL'
        ? exception.getStatus()
        : httpStatusOf(error);
    response
      .status(status)
      .type('application/problem+json')
      .json({
        type: `urn:receipts:error:${error.code}`,
        title: error.message,
        status,
        ...toErrorPayload(error),
      });
  }
}

/** Framework errors (404 route, 413 body, bad JSON) mapped to our codes. */
const fromHttp = (exception: HttpException): ReceiptError => {
  const status = exception.getStatus();
  if (status === 404) return new ReceiptError('NOT_FOUND', 'No such route');
  if (status === 413) return new ReceiptError('BATCH_TOO_LARGE', 'The request body is too large');
  if (status === 400) return new ReceiptError('VALIDATION_FAILED', exception.message);
  return asReceiptError(exception.cause ?? exception);
};
