import { type INestApplicationContext, Logger } from '@nestjs/common';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Server, ServerOptions } from 'socket.io';
import { closeRedis, createRedis, throttledWarning } from '@receipts/infrastructure';
import { withCaughtCommands } from '@receipts/realtime';
import { EdgeIoAdapter, type SocketEdge } from './io.adapter';

/**
 * Socket.IO across API nodes: every broadcast (a push to a user's room) is published on Redis
 * and delivered by whichever node holds the room's sockets; the standalone projector publishes
 * into the same channels. Pub/sub rather than streams: see docs/PRODUCTION.md.
 */
export class RedisIoAdapter extends EdgeIoAdapter {
  private readonly pub;
  private readonly sub;
  private readonly adapterConstructor: ReturnType<typeof createAdapter>;

  constructor(app: INestApplicationContext, edge: SocketEdge, url: string) {
    super(app, edge);
    this.pub = createRedis(url, 'socket.io-pub', {
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
    });
    // The subscriber waits for Redis however long it takes, and resubscribes after a reconnect.
    this.sub = createRedis(url, 'socket.io-sub', { maxRetriesPerRequest: null });
    const logger = new Logger('Fan-out');
    this.adapterConstructor = createAdapter(
      withCaughtCommands(this.pub, ['publish'], throttledWarning(logger, 'push not published')),
      withCaughtCommands(
        this.sub,
        ['subscribe', 'psubscribe', 'unsubscribe', 'punsubscribe'],
        throttledWarning(logger, 'subscription not changed'),
      ),
    );
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const server = super.createIOServer(port, options);
    server.adapter(this.adapterConstructor);
    return server;
  }

  override async dispose(): Promise<void> {
    await super.dispose();
    await Promise.all([closeRedis(this.pub), closeRedis(this.sub)]);
  }
}
