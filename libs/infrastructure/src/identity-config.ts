import type { KeySource, TokenPolicy } from '@receipts/identity';
import type { ReceiptsConfig } from './config';
import { configurationError } from './config-error';

export type TokenSettings = TokenPolicy & Readonly<{ key: KeySource }>;

/** How the API knows its callers: tokens, the development identity, or both (tokens first). */
export type IdentitySettings = Readonly<{ development: boolean; tokens: TokenSettings | null }>;

const KEYS = ['RECEIPTS_JWT_SECRET', 'RECEIPTS_JWT_PUBLIC_KEY', 'RECEIPTS_JWT_JWKS_FILE'] as const;

const isProduction = (config: ReceiptsConfig): boolean =>
  config.RECEIPTS_STORE === 'production' || config.NODE_ENV === 'production';

/** Identity settings that contradict each other, or a development identity where it must not run. */
export const identityProblems = (config: ReceiptsConfig): string[] => {
  const problems: string[] = [];
  if (config.RECEIPTS_DEV_IDENTITY === 'on' && isProduction(config)) {
    problems.push(
      'RECEIPTS_DEV_IDENTITY: must not be on with RECEIPTS_STORE=production or NODE_ENV=production ' +
        '(it trusts whatever user id a caller sends)',
    );
  }
  const keys = KEYS.filter((k) => config[k] !== undefined);
  if (keys.length > 1) problems.push(`${keys.join(', ')}: set only one of them`);
  const [key] = keys;
  if (key === undefined) return problems;
  const algorithm = config.RECEIPTS_JWT_ALGORITHM;
  if ((algorithm === 'HS256') !== (key === 'RECEIPTS_JWT_SECRET')) {
    problems.push(
      algorithm === 'HS256'
        ? `RECEIPTS_JWT_ALGORITHM: set RS256 or ES256 to verify with ${key} (HS256 takes RECEIPTS_JWT_SECRET)`
        : `RECEIPTS_JWT_ALGORITHM: ${algorithm} verifies with RECEIPTS_JWT_PUBLIC_KEY or RECEIPTS_JWT_JWKS_FILE, not ${key}`,
    );
  }
  for (const name of ['RECEIPTS_JWT_ISSUER', 'RECEIPTS_JWT_AUDIENCE'] as const) {
    if (!config[name]) problems.push(`${name}: required with ${key}`);
  }
  return problems;
};

const keySource = (config: ReceiptsConfig): KeySource | null => {
  if (config.RECEIPTS_JWT_SECRET) return { kind: 'secret', secret: config.RECEIPTS_JWT_SECRET };
  if (config.RECEIPTS_JWT_PUBLIC_KEY)
    return { kind: 'public-key', pem: config.RECEIPTS_JWT_PUBLIC_KEY };
  if (config.RECEIPTS_JWT_JWKS_FILE)
    return { kind: 'jwks-file', path: config.RECEIPTS_JWT_JWKS_FILE };
  return null;
};

/** The API's identity settings; without a key and without the development identity it cannot start. */
export const identitySettings = (config: ReceiptsConfig): IdentitySettings => {
  const key = keySource(config);
  const development = config.RECEIPTS_DEV_IDENTITY === 'on';
  if (!key && !development) {
    throw configurationError([
      `${KEYS.join(' or ')}: the API needs a key to verify bearer tokens. Set ` +
        'RECEIPTS_JWT_SECRET (HS256, 32+ characters), or RECEIPTS_JWT_PUBLIC_KEY or ' +
        'RECEIPTS_JWT_JWKS_FILE with RECEIPTS_JWT_ALGORITHM=RS256 or ES256, each with ' +
        'RECEIPTS_JWT_ISSUER and RECEIPTS_JWT_AUDIENCE. For a local try-out only: ' +
        'RECEIPTS_DEV_IDENTITY=on (see docs/SECURITY.md)',
    ]);
  }
  const tokens: TokenSettings | null = key && {
    key,
    algorithm: config.RECEIPTS_JWT_ALGORITHM,
    issuer: config.RECEIPTS_JWT_ISSUER ?? '',
    audience: config.RECEIPTS_JWT_AUDIENCE ?? '',
    clockToleranceSeconds: config.RECEIPTS_JWT_CLOCK_TOLERANCE_S,
  };
  return { development, tokens };
};

/** What the token command signs with: the HS256 secret only, a public key cannot sign. */
export const signingSettings = (
  config: ReceiptsConfig,
): Readonly<{ secret: string; issuer: string; audience: string }> => {
  const { RECEIPTS_JWT_SECRET: secret, RECEIPTS_JWT_ISSUER: issuer } = config;
  const audience = config.RECEIPTS_JWT_AUDIENCE;
  if (secret && issuer && audience) return { secret, issuer, audience };
  const publicOnly = config.RECEIPTS_JWT_PUBLIC_KEY ?? config.RECEIPTS_JWT_JWKS_FILE;
  throw new Error(
    publicOnly
      ? 'This configuration has only a public key (RECEIPTS_JWT_PUBLIC_KEY or RECEIPTS_JWT_JWKS_FILE): ' +
          'it verifies tokens but cannot sign them. Tokens come from your identity provider; for ' +
          'development, set RECEIPTS_JWT_SECRET (with RECEIPTS_JWT_ALGORITHM=HS256) instead.'
      : 'Minting a token needs RECEIPTS_JWT_SECRET (32+ characters), RECEIPTS_JWT_ISSUER and ' +
          'RECEIPTS_JWT_AUDIENCE, the same values the API runs with.',
  );
};
