import type { Namespace } from 'socket.io';
import type { ServerToClientEvents } from '@receipts/contracts';
import type { RoomEmitter } from '@receipts/realtime';

/** Lets the push channel exist before the gateway's namespace does; the gateway attaches it at init. */
export class RealtimeHub implements RoomEmitter {
  private namespace: Namespace | null = null;

  attach(namespace: Namespace): void {
    this.namespace = namespace;
  }

  to(room: string): RoomEmitter {
    return this.require().to(room);
  }

  except(room: string): RoomEmitter {
    return this.require().except(room);
  }

  emit<E extends keyof ServerToClientEvents>(
    event: E,
    ...args: Parameters<ServerToClientEvents[E]>
  ): unknown {
    return this.require().emit(event, ...args);
  }

  private require(): Namespace {
    if (!this.namespace) throw new Error('The receipts gateway is not initialised yet');
    return this.namespace;
  }
}
