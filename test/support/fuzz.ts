/** Shared by the property tests: the seed and bounds of a run, and what a typed error must be. */
import type * as fc from 'fast-check';
import { ReceiptError, type ReceiptErrorCode } from '@receipts/domain';

/**
 * Every code of the `ReceiptErrorCode` union, once: the `satisfies` clause fails the typecheck
 * when the union gains or loses a code and this list does not follow.
 */
const CODES = {
  VALIDATION_FAILED: true,
  BATCH_TOO_LARGE: true,
  UNSUPPORTED_MEDIA_TYPE: true,
  NOT_FOUND: true,
  UNKNOWN_CONVERSATION: true,
  UNKNOWN_MESSAGE: true,
  NOT_YET_REGISTERED: true,
  NOT_A_RECIPIENT: true,
  MESSAGE_CONFLICT: true,
  SEQUENCE_CONFLICT: true,
  UNAUTHENTICATED: true,
  FORBIDDEN: true,
  CONCURRENCY_CONFLICT: true,
  STORE_UNAVAILABLE: true,
  RATE_LIMITED: true,
  TOO_MANY_CONNECTIONS: true,
  TOO_MANY_SYNCS: true,
  RESYNC_REQUIRED: true,
  INTERNAL: true,
} as const satisfies Record<ReceiptErrorCode, true>;

export const KNOWN_CODES: readonly ReceiptErrorCode[] = Object.keys(CODES) as ReceiptErrorCode[];

/** Whether a code is retryable, as the service itself decides it. */
export const retryableOf = (code: ReceiptErrorCode): boolean =>
  new ReceiptError(code, code).retryable;

/**
 * The seed of every property in a run. A failing property prints its seed and path: replay it
 * with `FUZZ_SEED=<seed> FUZZ_PATH=<path>` (and jest's `-t` to pick the test). The default seed
 * keeps CI deterministic; another seed explores further. `FUZZ_RUNS_SCALE` multiplies the number
 * of runs (e.g. 10 for a long local exploration); `FUZZ_TIME_MS` caps the time of each property.
 */
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20260101);
const RUNS_SCALE = Number(process.env.FUZZ_RUNS_SCALE ?? 1);
const TIME_LIMIT_MS = Number(process.env.FUZZ_TIME_MS ?? 12_000);

export const fuzzParameters = <T>(numRuns: number): fc.Parameters<T> => ({
  seed: FUZZ_SEED,
  ...(process.env.FUZZ_PATH ? { path: process.env.FUZZ_PATH } : {}),
  numRuns: Math.max(1, Math.round(numRuns * RUNS_SCALE)),
  // Bounded in time as well as in runs: a slow machine runs fewer cases, it does not time out.
  interruptAfterTimeLimit: TIME_LIMIT_MS,
  markInterruptAsFailure: false,
});

/** Values nested `depth` levels deep, alternating arrays and objects. */
export const nested = (depth: number, leaf: unknown = 'x'): unknown => {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { a: value };
  return value;
};

/** Objects with prototype-pollution keys as own properties, as JSON.parse makes them. */
export const POLLUTING: readonly unknown[] = [
  '{"__proto__":{"polluted":"yes"},"conversationId":"fz","upToSequence":1}',
  '{"conversationId":"fz","upToSequence":1,"constructor":{"prototype":{"polluted":"yes"}}}',
  '{"conversationId":"fz","messageIds":["fz-1"],"prototype":{"polluted":"yes"}}',
  '{"__proto__":{"conversationId":"fz","upToSequence":1}}',
  '{"conversationId":{"__proto__":{"toString":"fz"}},"upToSequence":1}',
  '{"__proto__":null}',
].map((json) => JSON.parse(json) as unknown);

/** The prototype stays clean whatever the service parsed. */
export const prototypeClean = (): boolean =>
  !('polluted' in Object.prototype) && !('polluted' in Array.prototype);

/**
 * A fuzz run sends hundreds of frames and requests a second from one device and one caller: the
 * rate limits (tested on their own in socket-limits and rest-limits) are off for it.
 */
export const WITHOUT_RATE_LIMITS = {
  RECEIPTS_LIMIT_DEVICE_FRAMES_PER_S: '0',
  RECEIPTS_LIMIT_USER_FRAMES_PER_S: '0',
  RECEIPTS_LIMIT_REST_USER_PER_S: '0',
  RECEIPTS_LIMIT_REST_SERVICE_PER_S: '0',
  RECEIPTS_LIMIT_REST_ANONYMOUS_PER_S: '0',
};
