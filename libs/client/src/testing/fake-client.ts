import type { ReceiptsClientOptions } from '../client-options';
import { ReceiptsClient } from '../receipts-client';
import type { FakeSocket } from './fake-socket';

/** A client on a fake socket: alice's phone unless the options say otherwise, no snapshots. */
export const clientOn = (
  socket: FakeSocket,
  options: Partial<
    Pick<ReceiptsClientOptions, 'refreshOnConnect' | 'resumeFrom' | 'catchUp' | 'retryForMs'>
  > & { userId?: string; deviceId?: string } = {},
): ReceiptsClient =>
  new ReceiptsClient({
    url: 'http://receipts.test',
    userId: 'alice',
    deviceId: 'phone',
    refreshOnConnect: false,
    createSocket: () => socket.asSocket(),
    ...options,
  });
