import { z } from 'zod';
import { TOKEN_ALGORITHMS } from '@receipts/identity';
import { configurationError } from './config-error';
import { identityProblems } from './identity-config';
import { limitsSchema } from './limits-config';

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();

/**
 * A connection string with one of the schemes the driver takes. Not `z.url()`: cluster strings
 * such as `esdb://a:2113,b:2113` or `mongodb://a,b/?replicaSet=rs0` are not WHATWG URLs.
 */
const connectionString = (example: string, ...schemes: string[]) =>
  z
    .string()
    .regex(
      new RegExp(`^(${schemes.map((s) => s.replace('+', '\\+')).join('|')})://[^\\s/?#]+\\S*$`),
      `must be a ${schemes.map((s) => `${s}://`).join(' or ')} connection string, like ${example}`,
    )
    .optional();

/** Every setting the service reads, validated at start: a bad value stops it, naming the variable. */
export const configSchema = z.object({
  /** `embedded`: SQLite files; `production`: EventStoreDB and MongoDB (and Redis, required). */
  RECEIPTS_STORE: z.enum(['embedded', 'production']).default('embedded'),
  RECEIPTS_DATA_DIR: z.string().min(1).default('./data'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: port.default(3000),
  /** The standalone projector's health and metrics port. */
  PROJECTOR_PORT: port.default(3001),
  /**
   * Where the API process projects: `thread` on a worker thread of its own with the embedded
   * stores (inline with the production ones), `inline` on the serving thread, `off` not at all
   * (a standalone projector does it).
   */
  RECEIPTS_PROJECTOR: z.enum(['thread', 'inline', 'off']).default('thread'),
  RECEIPTS_PROJECTOR_BATCH: positiveInt.max(10_000).default(1000),
  RECEIPTS_PUSH_WINDOW_MS: z.coerce.number().int().min(0).max(1000).default(20),
  /**
   * How often the projector recounts the unread counts of the cursors recent batches changed,
   * and fixes stale ones (receipts_projection_drift_repaired_total); 0 turns it off.
   */
  RECEIPTS_PROJECTOR_RECONCILE_S: z.coerce.number().int().min(0).max(86_400).default(60),
  /** How long the projector lets a small batch grow before taking the next one. */
  RECEIPTS_PROJECTOR_SETTLE_MS: z.coerce.number().int().min(0).max(1000).default(10),
  /** How long an embedded append waits for others to share its disk flush. */
  RECEIPTS_GROUP_COMMIT_MS: z.coerce.number().int().min(0).max(100).default(4),
  /** How long a cached summary or unread answer may be served; 0 turns the cache off. */
  RECEIPTS_CACHE_TTL_MS: z.coerce.number().int().min(0).max(60_000).default(1500),
  /** Entries each user's change feed keeps; older positions are answered RESYNC_REQUIRED. */
  RECEIPTS_FEED_RETENTION: positiveInt.max(10_000_000).default(10_000),
  /** Receipt syncs (`receipt:sync:start`) one device may hold at once. */
  RECEIPTS_MAX_SYNCS_PER_DEVICE: positiveInt.max(1000).default(10),
  /** How long a device's syncs outlive its last socket, for a reconnect to find them. */
  RECEIPTS_SYNC_LINGER_MS: z.coerce.number().int().min(0).max(3_600_000).default(60_000),
  /** Messages to more recipients than this sync as counts only (the detail view pages). */
  RECEIPTS_SYNC_MEMBER_DETAIL_MAX: positiveInt.max(5000).default(100),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  EVENTSTORE_URL: connectionString('esdb://localhost:2113?tls=false', 'esdb', 'esdb+discover'),
  MONGODB_URL: connectionString(
    'mongodb://localhost:27017/?replicaSet=rs0',
    'mongodb',
    'mongodb+srv',
  ),
  MONGODB_DB: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,63}$/, 'must be a database name')
    .default('receipts'),
  /** Cache and cross-node fan-out; optional in embedded mode. */
  REDIS_URL: connectionString('redis://localhost:6379', 'redis', 'rediss'),
  NODE_ENV: z.string().optional(),
  /** Trust `x-user-id` / `x-service-name` and handshake ids as given: local try-outs only. */
  RECEIPTS_DEV_IDENTITY: z.enum(['on', 'off']).default('off'),
  RECEIPTS_JWT_ALGORITHM: z.enum(TOKEN_ALGORITHMS).default('HS256'),
  RECEIPTS_JWT_SECRET: z
    .string()
    .min(32, 'must be at least 32 characters (256 bits, as HS256 needs)')
    .optional(),
  RECEIPTS_JWT_PUBLIC_KEY: z
    .string()
    .regex(/-----BEGIN PUBLIC KEY-----/, 'must be a PEM public key (-----BEGIN PUBLIC KEY-----)')
    .optional(),
  RECEIPTS_JWT_JWKS_FILE: z.string().min(1).optional(),
  RECEIPTS_JWT_ISSUER: z.string().min(1).optional(),
  RECEIPTS_JWT_AUDIENCE: z.string().min(1).optional(),
  RECEIPTS_JWT_CLOCK_TOLERANCE_S: z.coerce.number().int().min(0).max(300).default(5),
  ...limitsSchema.shape,
});

export type ReceiptsConfig = z.infer<typeof configSchema>;

export const RECEIPTS_CONFIG = Symbol('ReceiptsConfig');

const PRODUCTION_NEEDS = ['EVENTSTORE_URL', 'MONGODB_URL', 'REDIS_URL'] as const;

/** Empty variables count as unset, as `FOO=` in a compose file or shell usually means. */
const withoutEmpty = (env: NodeJS.ProcessEnv): Record<string, string> =>
  Object.fromEntries(
    Object.entries(env).filter(
      (entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== '',
    ),
  );

export const loadConfig = (env: NodeJS.ProcessEnv = process.env): ReceiptsConfig => {
  const parsed = configSchema.safeParse(withoutEmpty(env));
  if (!parsed.success) {
    throw configurationError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const config = parsed.data;
  const missing =
    config.RECEIPTS_STORE === 'production' ? PRODUCTION_NEEDS.filter((k) => !config[k]) : [];
  const problems = [
    ...missing.map((k) => `${k}: required when RECEIPTS_STORE=production`),
    ...identityProblems(config),
  ];
  if (problems.length > 0) throw configurationError(problems);
  return config;
};
