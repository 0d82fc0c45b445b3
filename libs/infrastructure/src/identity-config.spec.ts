import { loadConfig } from './config';
import { identitySettings, signingSettings } from './identity-config';

const refusal = (run: () => unknown): string => {
  try {
    run();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected a refusal');
};

const secret = 's'.repeat(32);
const hs256 = {
  RECEIPTS_JWT_SECRET: secret,
  RECEIPTS_JWT_ISSUER: 'https://id.example',
  RECEIPTS_JWT_AUDIENCE: 'receipts',
};
const pem = '-----BEGIN PUBLIC KEY-----\nMFkw...\n-----END PUBLIC KEY-----';
const production = {
  RECEIPTS_STORE: 'production',
  EVENTSTORE_URL: 'esdb://eventstore:2113?tls=false',
  MONGODB_URL: 'mongodb://mongo:27017/?replicaSet=rs0',
  REDIS_URL: 'redis://redis:6379',
};

describe('identity configuration', () => {
  it('is off by default: no development identity, no key', () => {
    expect(loadConfig({})).toMatchObject({
      RECEIPTS_DEV_IDENTITY: 'off',
      RECEIPTS_JWT_ALGORITHM: 'HS256',
      RECEIPTS_JWT_CLOCK_TOLERANCE_S: 5,
    });
  });

  it('refuses to start the API with neither a key nor the development identity, saying what to set', () => {
    expect(refusal(() => identitySettings(loadConfig({})))).toMatch(
      /^Invalid configuration:\n {2}RECEIPTS_JWT_SECRET or RECEIPTS_JWT_PUBLIC_KEY or RECEIPTS_JWT_JWKS_FILE: .*RECEIPTS_JWT_ISSUER and RECEIPTS_JWT_AUDIENCE.*RECEIPTS_DEV_IDENTITY=on/,
    );
  });

  it('takes an HS256 secret with its issuer and audience', () => {
    expect(identitySettings(loadConfig(hs256))).toEqual({
      development: false,
      tokens: {
        key: { kind: 'secret', secret },
        algorithm: 'HS256',
        issuer: 'https://id.example',
        audience: 'receipts',
        clockToleranceSeconds: 5,
      },
    });
  });

  it('takes a public key or a key set file for RS256 and ES256', () => {
    const rs = {
      ...hs256,
      RECEIPTS_JWT_SECRET: '',
      RECEIPTS_JWT_PUBLIC_KEY: pem,
      RECEIPTS_JWT_ALGORITHM: 'RS256',
    };
    expect(identitySettings(loadConfig(rs)).tokens).toMatchObject({
      algorithm: 'RS256',
      key: { kind: 'public-key', pem },
    });
    const es = {
      ...hs256,
      RECEIPTS_JWT_SECRET: '',
      RECEIPTS_JWT_JWKS_FILE: '/etc/jwks.json',
      RECEIPTS_JWT_ALGORITHM: 'ES256',
    };
    expect(identitySettings(loadConfig(es)).tokens).toMatchObject({
      algorithm: 'ES256',
      key: { kind: 'jwks-file', path: '/etc/jwks.json' },
    });
  });

  it('allows the development identity beside tokens', () => {
    expect(identitySettings(loadConfig({ ...hs256, RECEIPTS_DEV_IDENTITY: 'on' }))).toMatchObject({
      development: true,
      tokens: { algorithm: 'HS256' },
    });
    expect(identitySettings(loadConfig({ RECEIPTS_DEV_IDENTITY: 'on' }))).toEqual({
      development: true,
      tokens: null,
    });
  });

  it.each([
    [{ RECEIPTS_STORE: 'production' }, production],
    [{ NODE_ENV: 'production' }, hs256],
  ])('refuses the development identity in production (%j), naming the variables', (mode, rest) => {
    expect(refusal(() => loadConfig({ ...rest, ...mode, RECEIPTS_DEV_IDENTITY: 'on' }))).toBe(
      'Invalid configuration:\n  RECEIPTS_DEV_IDENTITY: must not be on with RECEIPTS_STORE=production or ' +
        'NODE_ENV=production (it trusts whatever user id a caller sends)',
    );
  });

  it.each([
    [{ RECEIPTS_DEV_IDENTITY: 'yes' }, 'RECEIPTS_DEV_IDENTITY: '],
    [{ RECEIPTS_JWT_SECRET: 'short' }, 'RECEIPTS_JWT_SECRET: must be at least 32 characters'],
    [{ RECEIPTS_JWT_ALGORITHM: 'none' }, 'RECEIPTS_JWT_ALGORITHM: '],
    [{ RECEIPTS_JWT_ALGORITHM: 'HS512' }, 'RECEIPTS_JWT_ALGORITHM: '],
    [{ RECEIPTS_JWT_PUBLIC_KEY: 'not a pem' }, 'RECEIPTS_JWT_PUBLIC_KEY: must be a PEM public key'],
    [{ RECEIPTS_JWT_CLOCK_TOLERANCE_S: '3600' }, 'RECEIPTS_JWT_CLOCK_TOLERANCE_S: '],
    [
      { RECEIPTS_JWT_ISSUER: '', RECEIPTS_JWT_SECRET: secret },
      'RECEIPTS_JWT_ISSUER: required with RECEIPTS_JWT_SECRET',
    ],
    [
      { RECEIPTS_JWT_AUDIENCE: '', RECEIPTS_JWT_SECRET: secret },
      'RECEIPTS_JWT_AUDIENCE: required with RECEIPTS_JWT_SECRET',
    ],
    [
      { RECEIPTS_JWT_SECRET: '', RECEIPTS_JWT_PUBLIC_KEY: pem },
      'RECEIPTS_JWT_ALGORITHM: set RS256 or ES256 to verify with RECEIPTS_JWT_PUBLIC_KEY',
    ],
    [
      { RECEIPTS_JWT_ALGORITHM: 'ES256' },
      'RECEIPTS_JWT_ALGORITHM: ES256 verifies with RECEIPTS_JWT_PUBLIC_KEY or RECEIPTS_JWT_JWKS_FILE, not RECEIPTS_JWT_SECRET',
    ],
    [
      { RECEIPTS_JWT_JWKS_FILE: '/etc/jwks.json', RECEIPTS_JWT_ALGORITHM: 'RS256' },
      'RECEIPTS_JWT_SECRET, RECEIPTS_JWT_JWKS_FILE: set only one of them',
    ],
  ])('refuses %j, naming the variable', (change, message) => {
    const env: Record<string, string> = { ...hs256, ...change };
    expect(refusal(() => loadConfig(env))).toContain(`\n  ${message}`);
  });

  describe('signing (the token command)', () => {
    it('signs with the HS256 secret, issuer and audience', () => {
      expect(signingSettings(loadConfig(hs256))).toEqual({
        secret,
        issuer: 'https://id.example',
        audience: 'receipts',
      });
    });

    it('refuses with only a public key, saying why', () => {
      const env = {
        ...hs256,
        RECEIPTS_JWT_SECRET: '',
        RECEIPTS_JWT_PUBLIC_KEY: pem,
        RECEIPTS_JWT_ALGORITHM: 'ES256',
      };
      expect(refusal(() => signingSettings(loadConfig(env)))).toMatch(
        /only a public key .* cannot sign/,
      );
    });

    it('refuses without a secret, naming what it needs', () => {
      expect(refusal(() => signingSettings(loadConfig({})))).toMatch(
        /needs RECEIPTS_JWT_SECRET .*RECEIPTS_JWT_ISSUER and RECEIPTS_JWT_AUDIENCE/,
      );
    });
  });
});
