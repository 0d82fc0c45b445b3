export * from './ack.schemas';
export * from './errors';
export * from './receipt-updates';
export * from './socket.contract';
