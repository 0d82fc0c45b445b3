export * from './coalescing-push-channel';
export * from './push-channel';
