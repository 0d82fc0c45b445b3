import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { IncomingMessage } from 'node:http';
import type { Server, ServerOptions } from 'socket.io';

export type SocketEdge = Readonly<{
  /** Largest frame a client may send, in bytes; a longer one closes its connection. */
  maxFrameBytes: number;
  /** Browser origins allowed to connect (`*`: any); clients that send no Origin always may. */
  origins: readonly string[];
  /** Pages this API serves itself may connect too (the demo page, in development). */
  sameOrigin: boolean;
}>;

/** Whether a handshake's Origin header may connect. */
export const originAllowed = (origins: readonly string[], origin: string | undefined): boolean =>
  origin === undefined || origins.includes('*') || origins.includes(origin);

/** A browser page served from the host the handshake is addressed to. */
export const isSameOrigin = (origin: string | undefined, host: string | undefined): boolean => {
  if (origin === undefined || host === undefined) return false;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
};

/**
 * Socket.IO with the edge settings applied to every server it creates. CORS headers only guard
 * HTTP long-polling; a WebSocket upgrade is not subject to CORS, so the Origin is checked on
 * every handshake request (`allowRequest`) for both transports.
 */
export class EdgeIoAdapter extends IoAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly edge: SocketEdge,
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const { origins, maxFrameBytes, sameOrigin } = this.edge;
    const edgeOptions: Partial<ServerOptions> = {
      maxHttpBufferSize: maxFrameBytes,
      cors: { origin: origins.includes('*') ? true : [...origins] },
      allowRequest: (request: IncomingMessage, callback) => {
        const { origin, host } = request.headers;
        callback(
          null,
          originAllowed(origins, origin) || (sameOrigin && isSameOrigin(origin, host)),
        );
      },
    };
    return super.createIOServer(port, { ...options, ...edgeOptions }) as Server;
  }
}
