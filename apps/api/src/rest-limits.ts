import type { NextFunction, Request, Response } from 'express';
import type { Principal } from '@receipts/application';
import type { ReceiptError } from '@receipts/domain';
import { type Limits, callerOf } from '@receipts/infrastructure';
import type { ErrorLog } from './error-log';
import { asReceiptError, httpStatusOf } from './error-payload';
import type { IdentityResolver } from './identity';
import { sendProblem } from './problem';

/** A request after the limits: who it is, or why its credential was refused (the guard answers). */
export type IdentifiedRequest = Request & { principal?: Principal; identityError?: ReceiptError };

/**
 * In front of every REST route, before the body is read: who is calling (a user, a service, or
 * the client's address when it has no accepted credential), one place among the caller's
 * requests in progress, and one request from the caller's rate budget. A refusal is 429
 * RATE_LIMITED with Retry-After.
 */
export const restLimits =
  (identity: IdentityResolver, limits: Limits, errors: ErrorLog) =>
  (request: IdentifiedRequest, response: Response, next: NextFunction): void => {
    void admit(identity, limits, request, response).then(next, (exception: unknown) => {
      const error = asReceiptError(exception);
      errors.note('Http', error, exception);
      sendProblem(response, error, httpStatusOf(error));
    });
  };

const admit = async (
  identity: IdentityResolver,
  limits: Limits,
  request: IdentifiedRequest,
  response: Response,
): Promise<void> => {
  try {
    request.principal = await identity.fromHttp(request.headers);
  } catch (error) {
    request.identityError = asReceiptError(error);
  }
  const caller = callerOf(request.principal ?? null, request.ip ?? 'unknown');
  const release = limits.concurrency.enter(caller);
  response.once('close', release);
  try {
    await limits.callers.admit(caller);
  } catch (error) {
    release();
    throw error;
  }
};
