export type ErrorPayload = { code: string; message: string; retryable: boolean };

export type AckResult =
  { ok: true; applied: number; duplicates: number } | { ok: false; error: ErrorPayload };
