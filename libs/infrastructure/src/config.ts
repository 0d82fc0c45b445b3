import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();

/** Every setting the service reads, validated at start: a bad value stops it, naming the variable. */
export const configSchema = z.object({
  RECEIPTS_STORE: z.enum(['embedded', 'production']).default('embedded'),
  RECEIPTS_DATA_DIR: z.string().min(1).default('./data'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: port.default(3000),
  /** `inline` runs the projector inside the API process (the embedded default). */
  RECEIPTS_PROJECTOR: z.enum(['inline', 'off']).default('inline'),
  RECEIPTS_PROJECTOR_BATCH: positiveInt.max(10_000).default(1000),
  RECEIPTS_PUSH_WINDOW_MS: z.coerce.number().int().min(0).max(1000).default(20),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  EVENTSTORE_URL: z.string().url().optional(),
  MONGODB_URL: z.string().url().optional(),
  MONGODB_DB: z.string().min(1).default('receipts'),
  REDIS_URL: z.string().url().optional(),
});

export type ReceiptsConfig = z.infer<typeof configSchema>;

export const RECEIPTS_CONFIG = Symbol('ReceiptsConfig');

export const loadConfig = (env: NodeJS.ProcessEnv = process.env): ReceiptsConfig => {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const config = parsed.data;
  if (config.RECEIPTS_STORE === 'production') {
    const missing = (['EVENTSTORE_URL', 'MONGODB_URL', 'REDIS_URL'] as const).filter((k) => !config[k]);
    if (missing.length > 0) {
      throw new Error(`Invalid configuration: RECEIPTS_STORE=production needs ${missing.join(', ')}`);
    }
  }
  return config;
};
