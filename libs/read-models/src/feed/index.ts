export * from './feed-entries';
export * from './feed-entry';
export * from './feed-page';
