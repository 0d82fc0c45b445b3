export * from './read-store';
export * from './sqlite-read-store';
