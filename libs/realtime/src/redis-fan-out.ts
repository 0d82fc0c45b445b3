import { Emitter } from '@socket.io/redis-emitter';
import type { Redis } from 'ioredis';
import { RECEIPTS_NAMESPACE, type ServerToClientEvents } from '@receipts/contracts';
import type { RoomEmitter } from './coalescing-push-channel';

/** The commands Socket.IO's Redis adapter and emitter send without handling what they return. */
export type DroppedCommand =
  'publish' | 'subscribe' | 'psubscribe' | 'unsubscribe' | 'punsubscribe';

/**
 * The client with `commands` that never reject. Socket.IO's Redis adapter and emitter drop the
 * promises these return (socketio/socket.io-redis-emitter#139; the adapter's `close()` unsubscribes
 * the same way), so one failing while Redis is away (a publish, or an unsubscribe still queued when
 * a node shuts down) would be an unhandled rejection, which ends a Node process. A push is best
 * effort: a lost one is reported and the device catches up from the feed.
 */
export const withCaughtCommands = (
  client: Redis,
  commands: readonly DroppedCommand[],
  onError: (error: unknown) => void,
): Redis =>
  new Proxy(client, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      const bound = (value as (...args: unknown[]) => unknown).bind(target);
      if (!commands.includes(property as DroppedCommand)) return bound;
      return (...args: unknown[]) =>
        (bound(...args) as Promise<unknown>).catch((error: unknown) => {
          onError(error);
          return 0;
        });
    },
  });

/**
 * Rooms of the `/receipts` namespace on every API node, for a process without a Socket.IO
 * server (the standalone projector): the API nodes' Redis adapter delivers what this publishes.
 */
export const redisRoomEmitter = (client: Redis, onError: (error: unknown) => void): RoomEmitter =>
  new Emitter<ServerToClientEvents>(withCaughtCommands(client, ['publish'], onError)).of(
    RECEIPTS_NAMESPACE,
  );
