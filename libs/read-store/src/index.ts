export * from './read-store';
export * from './projection-control';
export * from './read-model-rows';
export * from './memory-read-store';
export * from './sqlite-read-store';
export * from './mongo-read-store';
export { READ_MODEL_TABLES } from './sqlite-read-store.schema';
export * from './sqlite-read-model-contents';
export * from './project-stored';
