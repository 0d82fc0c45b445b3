export * from './coalescing-push-channel';
export * from './push-channel';
export * from './redis-fan-out';
