export * from './message-receipts.read-model';
export * from './read-cursors.read-model';
export * from './read-model.changes';
export * from './projection';
export * from './feed';
