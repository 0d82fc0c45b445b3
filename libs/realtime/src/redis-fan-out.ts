import { Emitter } from '@socket.io/redis-emitter';
import type { Redis } from 'ioredis';
import { RECEIPTS_NAMESPACE, type ServerToClientEvents } from '@receipts/contracts';
import type { RoomEmitter } from './coalescing-push-channel';

/**
 * The client with a `publish` that never rejects. Socket.IO's Redis adapter and emitter drop the
 * promise `publish` returns (socketio/socket.io-redis-emitter#139), so a publish failing while
 * Redis is away would be an unhandled rejection, which ends a Node process. A push is best
 * effort: a lost one is reported and the device catches up from REST.
 */
export const withSafePublish = (client: Redis, onError: (error: unknown) => void): Redis =>
  new Proxy(client, {
    get(target, property) {
      if (property === 'publish') {
        return (channel: string | Buffer, message: string | Buffer) =>
          target.publish(channel, message).catch((error: unknown) => {
            onError(error);
            return 0;
          });
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function'
        ? (value as (...args: unknown[]) => unknown).bind(target)
        : value;
    },
  });

/**
 * Rooms of the `/receipts` namespace on every API node, for a process without a Socket.IO
 * server (the standalone projector): the API nodes' Redis adapter delivers what this publishes.
 */
export const redisRoomEmitter = (client: Redis, onError: (error: unknown) => void): RoomEmitter =>
  new Emitter<ServerToClientEvents>(withSafePublish(client, onError)).of(RECEIPTS_NAMESPACE);
