import type { Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '@receipts/contracts';

/** The device's Socket.IO connection to the `/receipts` namespace, typed by the contract. */
export type ReceiptsSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
