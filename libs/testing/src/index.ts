export * from './decider-spec';
export * from './fixtures';
export * from './event-store.conformance';
export * from './read-store.conformance';
export * from './redis-server';
export * from './summary-cache.conformance';
export * from './recorded-log';
export * from './drift-repair.conformance';
