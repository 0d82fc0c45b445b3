import { z } from 'zod';
import { MAX_ACK_ITEMS, MAX_DELIVERED_BATCH } from '@receipts/contracts';

const perSecond = z.coerce.number().int().min(0).max(1_000_000);
const count = (max: number) => z.coerce.number().int().min(1).max(max);

/** An origin as browsers send it: scheme, host and optional port, nothing else. */
const ORIGIN = /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/;

/** A comma-separated list of origins, or `*` for any; empty or unset means none. */
const origins = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((origin) => origin.trim())
      .filter((origin) => origin !== ''),
  )
  .refine(
    (list) => list.every((origin) => origin === '*' || ORIGIN.test(origin)),
    'must be `*` or a comma-separated list of origins such as https://app.example.com',
  )
  .default([]);

/**
 * Abuse limits and edge settings (docs/SECURITY.md, "Limits"). Defaults leave room for the
 * benchmark's fleet; a rate of 0 turns that limit off.
 */
export const limitsSchema = z.object({
  /** Rates are counted over fixed windows of this many seconds, so short bursts pass. */
  RECEIPTS_LIMIT_WINDOW_S: count(3600).default(10),
  RECEIPTS_LIMIT_DEVICE_FRAMES_PER_S: perSecond.default(30),
  RECEIPTS_LIMIT_USER_FRAMES_PER_S: perSecond.default(100),
  RECEIPTS_LIMIT_REST_USER_PER_S: perSecond.default(50),
  RECEIPTS_LIMIT_REST_SERVICE_PER_S: perSecond.default(5000),
  RECEIPTS_LIMIT_REST_ANONYMOUS_PER_S: perSecond.default(20),
  /** Requests of one user or client IP in progress at once (per node). */
  RECEIPTS_LIMIT_REST_CONCURRENT: count(100_000).default(32),
  RECEIPTS_LIMIT_REST_SERVICE_CONCURRENT: count(100_000).default(1024),
  RECEIPTS_MAX_SOCKETS_PER_USER: count(100_000).default(20),
  RECEIPTS_MAX_SOCKETS_PER_DEVICE: count(1000).default(3),
  RECEIPTS_MAX_DELIVERED_IDS: count(10_000).default(MAX_DELIVERED_BATCH),
  /** Items of one `receipt:ack` frame; the SDK sends at most MAX_ACK_ITEMS per frame. */
  RECEIPTS_MAX_ACK_ITEMS: count(10_000).default(MAX_ACK_ITEMS),
  /** Socket.IO's own default; the SDK's `receipt:ack` frames carry a whole window of ids. */
  RECEIPTS_MAX_FRAME_BYTES: count(16 * 1024 * 1024).default(1024 * 1024),
  RECEIPTS_MAX_BODY_BYTES: count(64 * 1024 * 1024).default(1024 * 1024),
  RECEIPTS_CORS_ORIGINS: origins,
  RECEIPTS_SOCKET_CORS_ORIGINS: origins,
  /** Proxies in front of the API whose X-Forwarded-For is believed (the client address). */
  RECEIPTS_TRUST_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
  /** Serve /metrics and the readiness detail on this port only (no credential there). */
  RECEIPTS_OPS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** Client errors: at most one log line per code per this many seconds. */
  RECEIPTS_LOG_SAMPLE_S: count(3600).default(10),
});

export type LimitsConfig = z.infer<typeof limitsSchema>;
