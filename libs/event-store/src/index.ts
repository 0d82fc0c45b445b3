export * from './event-store';
export * from './sqlite-event-store';
export * from './esdb-event-store';
export * from './worker-module';
export { SqliteCheckpointer } from './sqlite-checkpointer';
export { openEventFile } from './sqlite-event-file';
