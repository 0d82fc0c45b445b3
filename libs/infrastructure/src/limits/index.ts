export * from './caller-limit';
export * from './connection-limit';
export * from './flexible-rate-limit';
export * from './frame-limit';
export * from './limits';
export * from './rate-limit';
export * from './sampled-log';
