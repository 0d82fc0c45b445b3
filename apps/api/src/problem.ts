import type { Response } from 'express';
import type { ReceiptError } from '@receipts/domain';
import { retryAfterSeconds, toErrorPayload } from './error-payload';

/** An error as problem details (application/problem+json), with Retry-After when it says a wait. */
export const sendProblem = (response: Response, error: ReceiptError, status: number): void => {
  const retryAfter = retryAfterSeconds(error);
  if (retryAfter !== null) response.setHeader('Retry-After', String(retryAfter));
  response
    .status(status)
    .type('application/problem+json')
    .json({
      type: `urn:receipts:error:${error.code}`,
      title: error.message,
      status,
      ...toErrorPayload(error),
    });
};
