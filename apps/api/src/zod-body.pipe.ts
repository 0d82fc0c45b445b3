import type { PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import { ReceiptError } from '@receipts/domain';

/** Validates a payload against its contract schema; a failure is VALIDATION_FAILED and writes nothing. */
export class ZodBodyPipe<S extends z.ZodType> implements PipeTransform<unknown, z.infer<S>> {
  constructor(private readonly schema: S) {}

  transform(value: unknown): z.infer<S> {
    const parsed = this.schema.safeParse(value);
    if (parsed.success) return parsed.data;
    throw validationError(parsed.error);
  }
}

export const validationError = (error: z.ZodError): ReceiptError =>
  new ReceiptError(
    'VALIDATION_FAILED',
    error.issues.map((i) => `${i.path.join('.') || 'payload'}: ${i.message}`).join('; '),
    { issues: error.issues.map((i) => ({ path: i.path.map(String), message: i.message })) },
  );
