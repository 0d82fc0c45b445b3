import { Logger } from '@nestjs/common';
import { Counter, type Registry } from 'prom-client';
import { ReceiptError } from '@receipts/domain';
import { SampledLog } from '@receipts/infrastructure';
import { isServerFault } from './error-payload';

/**
 * Where answered errors are logged, and counted (`receipts_errors_answered_total{code}`: the
 * limits' refusals show there as RATE_LIMITED and TOO_MANY_CONNECTIONS). A client's error (a
 * 4xx code) is a debug line without a stack; a fault of ours is an error with its cause. Either
 * way, repeats of one kind are sampled: a line per kind and interval, saying how many were left
 * out, so no caller can flood the log by repeating a request.
 */
export class ErrorLog {
  private readonly sampled: SampledLog;
  private readonly loggers = new Map<string, Logger>();
  private readonly answered: Counter<'code'>;

  constructor(intervalMs: number, registry: Registry) {
    this.sampled = new SampledLog(intervalMs);
    this.answered = new Counter({
      name: 'receipts_errors_answered_total',
      help: 'Errors answered to clients (REST, socket ACKs, refused handshakes), by code',
      labelNames: ['code'],
      registers: [registry],
    });
  }

  note(context: string, error: ReceiptError, exception: unknown): void {
    this.answered.inc({ code: error.code });
    const logger = this.loggers.get(context) ?? new Logger(context);
    this.loggers.set(context, logger);
    const more = (leftOut: number) => (leftOut > 0 ? ` (and ${leftOut} more since)` : '');
    if (isServerFault(error)) {
      const cause = error.cause ?? exception;
      const reason = cause instanceof Error ? cause.message : String(cause);
      this.sampled.note(`${context}:${error.code}:${reason}`, (leftOut) => {
        logger.error(cause);
        if (leftOut > 0) logger.error(`${error.code}: ${reason}${more(leftOut)}`);
      });
      return;
    }
    this.sampled.note(`${context}:${error.code}`, (leftOut) =>
      logger.debug(`${error.code}: ${error.message}${more(leftOut)}`),
    );
  }
}
