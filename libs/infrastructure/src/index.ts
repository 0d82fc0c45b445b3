export * from './config';
export * from './health.controller';
export * from './projection.module';
export * from './redis';
export * from './redis.module';
export * from './stores.module';
export * from './logging.module';
