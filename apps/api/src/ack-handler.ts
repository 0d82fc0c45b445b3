import { Logger } from '@nestjs/common';
import type { z } from 'zod';
import type { CommandOutcome } from '@receipts/application';
import type { AckResult } from '@receipts/contracts';
import { answerOf } from './error-payload';
import { validationError } from './zod-body.pipe';

const logger = new Logger('Socket');

/**
 * A socket ACK handler on the bare Socket.IO event: validate the payload against its contract
 * schema, run the command, answer through the acknowledgement callback with success or a typed
 * error. ACKs are the hottest path of the service, so they skip Nest's per-message pipeline
 * (execution context, interceptors, rxjs), which cost more than the command itself.
 */
export const ackHandler =
  <S extends z.ZodType>(schema: S, run: (ack: z.infer<S>) => Promise<CommandOutcome>) =>
  (payload: unknown, answer?: unknown): void => {
    const reply = typeof answer === 'function' ? (answer as (result: AckResult) => void) : null;
    const parsed = schema.safeParse(payload);
    const outcome = parsed.success
      ? Promise.resolve().then(() => run(parsed.data))
      : Promise.reject(validationError(parsed.error));
    outcome.then(
      (result) => reply?.({ ok: true, ...result }),
      (exception: unknown) => reply?.({ ok: false, error: answerOf(exception, logger) }),
    );
  };
