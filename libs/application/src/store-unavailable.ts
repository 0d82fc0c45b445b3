import { ReceiptError } from '@receipts/domain';

/** A store failure is the client's to retry: nothing was acknowledged, so nothing is lost. */
export const storeUnavailable = (cause: unknown): ReceiptError => {
  if (cause instanceof ReceiptError) return cause;
  const error = new ReceiptError('STORE_UNAVAILABLE', 'The event store is not available, retry');
  error.cause = cause;
  return error;
};
