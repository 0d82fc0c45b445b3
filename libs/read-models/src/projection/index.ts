export * from './document-keys';
export * from './documents';
export * from './project-batch';
export * from './receipt-deltas';
