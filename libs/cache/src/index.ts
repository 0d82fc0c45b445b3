export * from './summary-cache';
export * from './in-process-summary-cache';
export * from './redis-summary-cache';
