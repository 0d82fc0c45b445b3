import { loadConfig } from './config';

const failure = (env: Record<string, string>): string => {
  try {
    loadConfig(env);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`expected ${JSON.stringify(env)} to be refused`);
};

const production = {
  RECEIPTS_STORE: 'production',
  EVENTSTORE_URL: 'esdb://eventstore:2113?tls=false',
  MONGODB_URL: 'mongodb://mongo:27017/?replicaSet=rs0',
  REDIS_URL: 'redis://redis:6379',
};

describe('loadConfig', () => {
  it('defaults to the embedded stores, in-process cache and a projection thread', () => {
    expect(loadConfig({})).toMatchObject({
      RECEIPTS_STORE: 'embedded',
      RECEIPTS_PROJECTOR: 'thread',
      PORT: 3000,
      PROJECTOR_PORT: 3001,
      RECEIPTS_CACHE_TTL_MS: 1500,
    });
    expect(loadConfig({}).REDIS_URL).toBeUndefined();
  });

  it('takes the production stack, cluster connection strings included', () => {
    expect(loadConfig(production)).toMatchObject(production);
    const cluster = {
      ...production,
      EVENTSTORE_URL: 'esdb+discover://a:2113,b:2113,c:2113?tls=true',
      MONGODB_URL: 'mongodb://a:27017,b:27017,c:27017/receipts?replicaSet=rs0',
      REDIS_URL: 'rediss://:secret@cache.internal:6380/0',
    };
    expect(loadConfig(cluster)).toMatchObject(cluster);
  });

  it('lets embedded mode use Redis when REDIS_URL is given', () => {
    expect(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379' }).REDIS_URL).toBe(
      'redis://127.0.0.1:6379',
    );
  });

  it('treats an empty variable as unset', () => {
    const config = loadConfig({ REDIS_URL: '', PORT: '' });
    expect([config.REDIS_URL, config.PORT]).toEqual([undefined, 3000]);
  });

  it.each([
    ['RECEIPTS_STORE', 'sqlite'],
    ['PORT', 'eighty'],
    ['PROJECTOR_PORT', '70000'],
    ['RECEIPTS_CACHE_TTL_MS', '-1'],
    ['RECEIPTS_PROJECTOR', 'maybe'],
    ['EVENTSTORE_URL', 'http://eventstore:2113'],
    ['MONGODB_URL', 'mongo:27017'],
    ['REDIS_URL', 'redis//localhost:6379'],
    ['REDIS_URL', 'redis://'],
    ['MONGODB_DB', 'receipts db'],
  ])('refuses a malformed %s, naming it', (name, value) => {
    expect(failure({ [name]: value })).toMatch(new RegExp(`^Invalid configuration:\\n  ${name}: `));
  });

  it.each(['EVENTSTORE_URL', 'MONGODB_URL', 'REDIS_URL'])(
    'refuses production without %s, naming it',
    (name) => {
      const env: Record<string, string> = { ...production };
      delete env[name];
      expect(failure(env)).toBe(
        `Invalid configuration:\n  ${name}: required when RECEIPTS_STORE=production`,
      );
    },
  );

  it('names every bad variable at once', () => {
    const message = failure({ PORT: 'x', REDIS_URL: 'nope' });
    expect(message).toContain('PORT: ');
    expect(message).toContain('REDIS_URL: must be a redis:// or rediss:// connection string');
  });
});

describe('limits', () => {
  it('has defaults, and takes origins as a comma-separated list', () => {
    expect(loadConfig({})).toMatchObject({
      RECEIPTS_LIMIT_DEVICE_FRAMES_PER_S: 30,
      RECEIPTS_MAX_DELIVERED_IDS: 500,
      RECEIPTS_MAX_BODY_BYTES: 1024 * 1024,
      RECEIPTS_CORS_ORIGINS: [],
      RECEIPTS_SOCKET_CORS_ORIGINS: [],
    });
    expect(loadConfig({}).RECEIPTS_OPS_PORT).toBeUndefined();
    expect(
      loadConfig({ RECEIPTS_CORS_ORIGINS: 'https://app.example.com, http://localhost:5173' })
        .RECEIPTS_CORS_ORIGINS,
    ).toEqual(['https://app.example.com', 'http://localhost:5173']);
  });

  it('names a bad limit or origin', () => {
    expect(failure({ RECEIPTS_MAX_SOCKETS_PER_DEVICE: '0' })).toContain(
      'RECEIPTS_MAX_SOCKETS_PER_DEVICE',
    );
    expect(failure({ RECEIPTS_LIMIT_REST_USER_PER_S: '-1' })).toContain(
      'RECEIPTS_LIMIT_REST_USER_PER_S',
    );
    expect(failure({ RECEIPTS_SOCKET_CORS_ORIGINS: 'https://app.example.com/path' })).toContain(
      'RECEIPTS_SOCKET_CORS_ORIGINS',
    );
  });
});
