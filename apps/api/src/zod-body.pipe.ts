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

/** An answer names the first few issues only, each cut short: it never grows with the input. */
const MAX_ISSUES = 10;
const MAX_TEXT = 160;
const cut = (text: string): string =>
  text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text;

export const validationError = (error: z.ZodError): ReceiptError => {
  const issues = error.issues.slice(0, MAX_ISSUES).map((i) => ({
    path: i.path.map((p) => cut(String(p))),
    message: cut(i.message),
  }));
  const more = error.issues.length - issues.length;
  const listed = issues.map((i) => `${i.path.join('.') || 'payload'}: ${i.message}`).join('; ');
  return new ReceiptError(
    'VALIDATION_FAILED',
    more > 0 ? `${listed}; and ${more} more issues` : listed,
    { issues, ...(more > 0 ? { moreIssues: more } : {}) },
  );
};
