export * from './event-ids';
export * from './principal';
export * from './projection-runner';
export * from './receipt-command.service';
export * from './receipt-metrics';
export * from './receipt-notifier';
export * from './receipt-queries.service';
export * from './stream-state-cache';
