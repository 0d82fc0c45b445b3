import { Inject } from '@nestjs/common';
import { type OnGatewayConnection, type OnGatewayInit, WebSocketGateway } from '@nestjs/websockets';
import type { Namespace, Socket } from 'socket.io';
import { ReceiptCommandService } from '@receipts/application';
import {
  ACK_EVENTS,
  type AckFrame,
  type AckResult,
  type ClientToServerEvents,
  MAX_ACK_ITEMS,
  RECEIPTS_NAMESPACE,
  type ServerToClientEvents,
  ackFrameSchema,
  deliveredAckSchema,
  deviceRoom,
  readAckSchema,
  userRoom,
} from '@receipts/contracts';
import { ReceiptError } from '@receipts/domain';
import { ackHandler, settle } from './ack-handler';
import { type Device, ackItemCommand, deliveredCommand, readCommand } from './ack-commands';
import { asReceiptError, toErrorPayload } from './error-payload';
import { IDENTITY_RESOLVER, type IdentityResolver } from './identity';
import { RealtimeHub } from './realtime-hub';
import { disconnectAtExpiry } from './socket-expiry';

type DeviceSocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  object,
  { device: Device; expiresAt: Date | null }
>;

/** Devices connect here, send delivered and read ACKs, and receive `receipts` frames. */
@WebSocketGateway({ namespace: RECEIPTS_NAMESPACE, cors: { origin: true } })
export class ReceiptsGateway
  implements OnGatewayInit<Namespace>, OnGatewayConnection<DeviceSocket>
{
  constructor(
    private readonly commands: ReceiptCommandService,
    private readonly hub: RealtimeHub,
    @Inject(IDENTITY_RESOLVER) private readonly identity: IdentityResolver,
  ) {}

  afterInit(namespace: Namespace): void {
    namespace.use((socket, next) => {
      void this.authenticate(socket as DeviceSocket).then(next);
    });
    // Devices belong in /receipts; the default namespace serves nobody.
    namespace.server.of('/').use((_socket, next) => {
      const error = new ReceiptError('NOT_FOUND', `Connect to the ${RECEIPTS_NAMESPACE} namespace`);
      next(Object.assign(new Error(error.message), { data: toErrorPayload(error) }));
    });
    this.hub.attach(namespace);
  }

  /** The handshake's identity on the socket, or the refusal its `connect_error` carries. */
  private async authenticate(socket: DeviceSocket): Promise<Error | undefined> {
    try {
      const session = await this.identity.fromHandshake(socket.handshake.auth);
      const { userId, deviceId } = session.device;
      Object.assign(socket.data, { device: { userId, deviceId }, expiresAt: session.expiresAt });
      return undefined;
    } catch (exception) {
      const error = asReceiptError(exception);
      return Object.assign(new Error(error.message), { data: toErrorPayload(error) });
    }
  }

  handleConnection(socket: DeviceSocket): void {
    const { device, expiresAt } = socket.data;
    if (expiresAt) disconnectAtExpiry(socket, expiresAt);
    void socket.join([userRoom(device.userId), deviceRoom(device.userId, device.deviceId)]);
    socket.use(answerUnknownEvents);
    const origin = { deviceId: device.deviceId };
    socket.on(
      'receipt:delivered',
      ackHandler(deliveredAckSchema, (ack) =>
        this.commands.acknowledge(deliveredCommand(ack, device, this.commands.now()), origin),
      ),
    );
    socket.on(
      'receipt:read',
      ackHandler(readAckSchema, (ack) =>
        this.commands.acknowledge(readCommand(ack, device, this.commands.now()), origin),
      ),
    );
    socket.on(
      'receipt:ack',
      ackHandler(ackFrameSchema, (frame) => this.acknowledgeFrame(frame, device)),
    );
  }

  /** Every item of a frame is one ACK with its own answer; one item failing stops no other. */
  private async acknowledgeFrame(
    frame: AckFrame,
    device: Device,
  ): Promise<{ results: AckResult[] }> {
    if (frame.items.length > MAX_ACK_ITEMS) {
      throw new ReceiptError('BATCH_TOO_LARGE', `At most ${MAX_ACK_ITEMS} items per ACK frame`, {
        limit: MAX_ACK_ITEMS,
        received: frame.items.length,
      });
    }
    const now = this.commands.now();
    const origin = { deviceId: device.deviceId };
    const results = await Promise.all(
      frame.items.map((item) =>
        settle(
          Promise.resolve().then(() =>
            this.commands.acknowledge(ackItemCommand(item, device, now), origin),
          ),
        ),
      ),
    );
    return { results };
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
