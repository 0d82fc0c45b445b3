export * from './read-store';
export * from './sqlite-read-store';
export * from './mongo-read-store';
