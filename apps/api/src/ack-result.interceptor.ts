import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  Logger,
  type NestInterceptor,
} from '@nestjs/common';
import { type Observable, catchError, map, of } from 'rxjs';
import type { AckResult } from '@receipts/contracts';
import type { CommandOutcome } from '@receipts/application';
import { asReceiptError, isServerFault, toErrorPayload } from './error-payload';

/** Socket handlers answer through the acknowledgement callback: success, or a typed error. */
@Injectable()
export class AckResultInterceptor implements NestInterceptor<CommandOutcome, AckResult> {
  private readonly logger = new Logger('Socket');

  intercept(_context: ExecutionContext, next: CallHandler<CommandOutcome>): Observable<AckResult> {
    return next.handle().pipe(
      map((outcome): AckResult => ({ ok: true, ...outcome })),
      catchError((exception: unknown) => {
        const error = asReceiptError(exception);
        if (isServerFault(error)) this.logger.error(error.cause ?? exception);
        const { code, message, retryable } = toErrorPayload(error);
        return of<AckResult>({ ok: false, error: { code, message, retryable } });
      }),
    );
  }
}
