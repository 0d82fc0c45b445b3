export * from './receipts-client';
