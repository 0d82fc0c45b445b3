import type { z } from 'zod';
import type { ErrorPayload } from '@receipts/contracts';
import { ReceiptError } from '@receipts/domain';
import type { ErrorLog } from './error-log';
import { answerOf } from './error-payload';
import { validationError } from './zod-body.pipe';

/** What every frame of one socket goes through: its admission (the rate limits), its error log. */
export type FrameGate = Readonly<{ admit: () => Promise<void>; log: ErrorLog }>;

/**
 * A socket ACK handler on the bare Socket.IO event: admit the frame, validate the payload
 * against its contract schema, run the command, answer through the acknowledgement callback
 * with success or a typed error. ACKs are the hottest path of the service, so they skip Nest's
 * per-message pipeline (execution context, interceptors, rxjs), which cost more than the
 * command itself.
 *
 * Socket.IO passes the callback last. A frame without one cannot be answered, so it is never
 * applied (the device would retry an ACK it cannot know succeeded); a frame with a callback but
 * not exactly one payload before it is answered VALIDATION_FAILED. A frame over a rate limit is
 * answered RATE_LIMITED before it is read.
 */
export const ackHandler =
  <S extends z.ZodType, R extends object>(
    gate: FrameGate,
    schema: S,
    run: (ack: z.infer<S>) => Promise<R>,
  ) =>
  (...args: unknown[]): void => {
    const answer = args.at(-1);
    if (typeof answer !== 'function') return;
    const reply = answer as (
      result: ({ ok: true } & R) | { ok: false; error: ErrorPayload },
    ) => void;
    const outcome = gate.admit().then(() =>
      args.length === 2
        ? parse(schema, args[0]).then((ack) => run(ack))
        : Promise.reject(
            new ReceiptError('VALIDATION_FAILED', 'An ACK is one payload and a callback', {
              arguments: args.length - 1,
            }),
          ),
    );
    outcome.then(
      (result) => reply({ ok: true, ...result }),
      (exception: unknown) => reply({ ok: false, error: answerOf(exception, gate.log, 'Socket') }),
    );
  };

const parse = <S extends z.ZodType>(schema: S, payload: unknown): Promise<z.infer<S>> => {
  const parsed = schema.safeParse(payload);
  return parsed.success
    ? Promise.resolve(parsed.data)
    : Promise.reject(validationError(parsed.error));
};

/** An item's outcome inside a frame's success answer: its result, or its own typed error. */
export const itemAnswer = <R extends object>(
  outcome: PromiseSettledResult<R>,
  log: ErrorLog,
): ({ ok: true } & R) | { ok: false; error: ErrorPayload } =>
  outcome.status === 'fulfilled'
    ? { ok: true as const, ...outcome.value }
    : { ok: false as const, error: answerOf(outcome.reason, log, 'Socket') };
