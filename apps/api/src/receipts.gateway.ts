import { Inject } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { type OnGatewayConnection, type OnGatewayInit, WebSocketGateway } from '@nestjs/websockets';
import type { Namespace, Socket } from 'socket.io';
import type { z } from 'zod';
import {
  AcknowledgeDeliveryCommand,
  AcknowledgeFrameCommand,
  ChangeFeedQuery,
  ConversationUnreadQuery,
  type Device,
  MarkReadCommand,
} from '@receipts/application';
import {
  ACK_EVENTS,
  type AckResult,
  type ClientToServerEvents,
  RECEIPTS_NAMESPACE,
  type ServerToClientEvents,
  MAX_FEED_PAGE,
  ackFrameSchema,
  deliveredAckSchema,
  deviceRoom,
  readAckSchema,
  resumeSchema,
  syncSchema,
  userRoom,
} from '@receipts/contracts';
import { ReceiptError } from '@receipts/domain';
import {
  LIMITS,
  type Limits,
  RECEIPTS_CONFIG,
  type ReceiptsConfig,
} from '@receipts/infrastructure';
import { ackHandler, itemAnswer } from './ack-handler';
import { ErrorLog } from './error-log';
import { asReceiptError, toErrorPayload } from './error-payload';
import { IDENTITY_RESOLVER, type IdentityResolver } from './identity';
import { RealtimeHub } from './realtime-hub';
import { ReceiptSyncs } from './receipt-syncs';
import { disconnectAtExpiry } from './socket-expiry';

type DeviceSocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  object,
  { device: Device; expiresAt: Date | null }
>;

/** A refusal as the handshake's `connect_error`, whose `data` is the typed payload. */
const refusal = (error: ReceiptError): Error =>
  Object.assign(new Error(error.message), { data: toErrorPayload(error) });

/**
 * Devices connect here, send delivered and read ACKs, and receive `receipts` frames. Origins,
 * frame size and CORS are the socket adapter's (io.adapter.ts).
 */
@WebSocketGateway({ namespace: RECEIPTS_NAMESPACE })
export class ReceiptsGateway
  implements OnGatewayInit<Namespace>, OnGatewayConnection<DeviceSocket>
{
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    private readonly hub: RealtimeHub,
    @Inject(IDENTITY_RESOLVER) private readonly identity: IdentityResolver,
    @Inject(LIMITS) private readonly limits: Limits,
    private readonly errors: ErrorLog,
    @Inject(RECEIPTS_CONFIG) private readonly config: ReceiptsConfig,
  ) {
    this.syncs = new ReceiptSyncs({
      maxPerDevice: config.RECEIPTS_MAX_SYNCS_PER_DEVICE,
      lingerMs: config.RECEIPTS_SYNC_LINGER_MS,
    });
  }

  private readonly syncs: ReceiptSyncs;

  afterInit(namespace: Namespace): void {
    namespace.use((socket, next) => {
      void this.admit(socket as DeviceSocket).then(next);
    });
    // Devices belong in /receipts; the default namespace serves nobody.
    namespace.server.of('/').use((_socket, next) => {
      next(
        refusal(new ReceiptError('NOT_FOUND', `Connect to the ${RECEIPTS_NAMESPACE} namespace`)),
      );
    });
    this.hub.attach(namespace);
  }

  /**
   * The handshake's identity on the socket and its place among the device's and user's open
   * sockets, or the refusal its `connect_error` carries. The place is freed when the socket or
   * its connection closes, whichever comes first (a client gone during the handshake never
   * connects, so never disconnects).
   */
  private async admit(socket: DeviceSocket): Promise<Error | undefined> {
    try {
      const session = await this.identity.fromHandshake(socket.handshake.auth);
      const { userId, deviceId } = session.device;
      const release = this.limits.connections.acquire({ userId, deviceId });
      socket.once('disconnect', release);
      socket.conn.once('close', release);
      Object.assign(socket.data, { device: { userId, deviceId }, expiresAt: session.expiresAt });
      return undefined;
    } catch (exception) {
      const error = asReceiptError(exception);
      this.errors.note('Socket', error, exception);
      return refusal(error);
    }
  }

  handleConnection(socket: DeviceSocket): void {
    const { device, expiresAt } = socket.data;
    if (expiresAt) disconnectAtExpiry(socket, expiresAt);
    void socket.join([userRoom(device.userId), deviceRoom(device.userId, device.deviceId)]);
    socket.use(answerUnknownEvents);
    const gate = { admit: () => this.limits.frames.admit(device), log: this.errors };
    /** Every ACK event goes through here: one frame, one admission, one command on the bus. */
    const frame = <S extends z.ZodType, R extends object>(
      schema: S,
      run: (ack: z.infer<S>) => Promise<R>,
    ) => ackHandler(gate, schema, run);
    socket.on(
      'receipt:delivered',
      frame(deliveredAckSchema, (ack) =>
        this.commands.execute(new AcknowledgeDeliveryCommand(ack, device)),
      ),
    );
    socket.on(
      'receipt:read',
      frame(readAckSchema, (ack) => this.commands.execute(new MarkReadCommand(ack, device))),
    );
    socket.on(
      'receipt:ack',
      frame(ackFrameSchema, async (ack) => {
        const outcomes = await this.commands.execute(
          new AcknowledgeFrameCommand(ack.items, device),
        );
        return { results: outcomes.map((outcome) => itemAnswer(outcome, this.errors)) };
      }),
    );
    const viewer = { kind: 'user', ...device } as const;
    this.syncs.connected(device.userId, device.deviceId, socket);
    socket.once('disconnect', () =>
      this.syncs.disconnected(device.userId, device.deviceId, socket),
    );
    const memberDetailMax = this.config.RECEIPTS_SYNC_MEMBER_DETAIL_MAX;
    socket.on(
      'receipt:sync:start',
      frame(syncSchema, async ({ conversationId }) => {
        // Only a member (a recipient or the sender of a message in it) may sync a conversation.
        await this.queries.execute(
          new ConversationUnreadQuery(viewer, device.userId, conversationId),
        );
        const syncing = this.syncs.start(device.userId, device.deviceId, conversationId);
        return { conversationId, syncing, memberDetailMax };
      }),
    );
    socket.on(
      'receipt:sync:stop',
      frame(syncSchema, ({ conversationId }) => {
        const syncing = this.syncs.stop(device.userId, device.deviceId, conversationId);
        return Promise.resolve({ conversationId, syncing, memberDetailMax });
      }),
    );
    socket.on(
      'receipt:resume',
      frame(resumeSchema, ({ after, limit }) =>
        this.queries.execute(
          new ChangeFeedQuery(viewer, device.userId, after, limit ?? MAX_FEED_PAGE),
        ),
      ),
    );
  }
}

const unknownEvent = toErrorPayload(
  new ReceiptError('NOT_FOUND', `No such event: devices send ${[...ACK_EVENTS].join(', ')}`),
);

/**
 * An event nobody handles would leave its callback unanswered until the device times out; answer
 * it at once instead (and drop the frame: nothing is applied).
 */
const answerUnknownEvents = ([event, ...args]: unknown[], next: () => void): void => {
  if (typeof event === 'string' && ACK_EVENTS.has(event)) return next();
  const answer = args.at(-1);
  if (typeof answer === 'function')
    (answer as (result: AckResult) => void)({ ok: false, error: unknownEvent });
};
