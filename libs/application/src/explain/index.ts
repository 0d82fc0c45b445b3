export * from './explain-message';
export * from './explain-unread';
