import { Inject, UseInterceptors } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  type OnGatewayConnection,
  type OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import type { Namespace, Socket } from 'socket.io';
import { type CommandOutcome, ReceiptCommandService } from '@receipts/application';
import {
  type ClientToServerEvents,
  type DeliveredAck,
  RECEIPTS_NAMESPACE,
  type ReadAck,
  type ServerToClientEvents,
  deliveredAckSchema,
  deviceRoom,
  readAckSchema,
  userRoom,
} from '@receipts/contracts';
import { deliveredCommand, readCommand } from './ack-commands';
import { AckResultInterceptor } from './ack-result.interceptor';
import { asReceiptError, toErrorPayload } from './error-payload';
import { IDENTITY_RESOLVER, type IdentityResolver } from './identity';
import { RealtimeHub } from './realtime-hub';
import { ZodBodyPipe } from './zod-body.pipe';

type Device = { userId: string; deviceId: string };
type DeviceSocket = Socket<ClientToServerEvents, ServerToClientEvents, object, { device: Device }>;

/** Devices connect here, send delivered and read ACKs, and receive `receipts` frames. */
@WebSocketGateway({ namespace: RECEIPTS_NAMESPACE, cors: { origin: true } })
@UseInterceptors(AckResultInterceptor)
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
      try {
        const { userId, deviceId } = this.identity.fromHandshake(socket.handshake.auth);
        (socket as DeviceSocket).data.device = { userId, deviceId };
        next();
      } catch (exception) {
        const error = asReceiptError(exception);
        next(Object.assign(new Error(error.message), { data: toErrorPayload(error) }));
      }
    });
    this.hub.attach(namespace);
  }

  handleConnection(socket: DeviceSocket): void {
    const { userId, deviceId } = socket.data.device;
    void socket.join([userRoom(userId), deviceRoom(userId, deviceId)]);
  }

  @SubscribeMessage('receipt:delivered')
  delivered(
    @ConnectedSocket() socket: DeviceSocket,
    @MessageBody(new ZodBodyPipe(deliveredAckSchema)) ack: DeliveredAck,
  ): Promise<CommandOutcome> {
    const { device } = socket.data;
    return this.commands.acknowledge(deliveredCommand(ack, device, this.commands.now()), {
      deviceId: device.deviceId,
    });
  }

  @SubscribeMessage('receipt:read')
  read(
    @ConnectedSocket() socket: DeviceSocket,
    @MessageBody(new ZodBodyPipe(readAckSchema)) ack: ReadAck,
  ): Promise<CommandOutcome> {
    const { device } = socket.data;
    return this.commands.acknowledge(readCommand(ack, device, this.commands.now()), {
      deviceId: device.deviceId,
    });
  }
}
