export * from './config';
export * from './projection.module';
export * from './stores.module';
