/**
 * Baseline (a): the bare Socket.IO relay. Same wire contract as the service (POST /messages and
 * /messages/batch, namespace /receipts, `receipt:ack` frames answered per item as well as the
 * single `receipt:delivered` / `receipt:read` events, `receipts` pushes coalesced per user over
 * 20 ms by the service's own push channel), but no validation schemas, no storage, no projection:
 * it keeps messages in memory (relay-state.ts), answers each ACK at once and pushes to the
 * senders what the service would. The floor of "Socket.IO + JSON + this population".
 */
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import { Server, type Socket } from 'socket.io';
import {
  type AckFrameResult,
  type AckItem,
  type ClientToServerEvents,
  MAX_ACK_ITEMS,
  MAX_DELIVERED_BATCH,
  RECEIPTS_NAMESPACE,
  type ServerToClientEvents,
  deviceRoom,
  userRoom,
} from '@receipts/contracts';
import { CoalescingPushChannel, type PushTarget } from '@receipts/realtime';
import { type Outcome, type Registration, RelayState, type Unnumbered } from './relay-state';

/** The service's default push window (RECEIPTS_PUSH_WINDOW_MS). */
const PUSH_WINDOW_MS = 20;

type DeviceSocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  object,
  { userId: string; deviceId: string }
>;

const state = new RelayState();

const answerJson = (res: ServerResponse, status: number, body: unknown): void => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

const http = createServer((req: IncomingMessage, res: ServerResponse) => {
  if (req.method === 'POST' && (req.url === '/messages' || req.url === '/messages/batch')) {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString()) as unknown;
      if (req.url === '/messages')
        return answerJson(res, 201, state.register(body as Registration));
      const { messages } = body as { messages: Registration[] };
      answerJson(res, 200, { results: messages.map((m) => state.register(m)) });
    });
    return;
  }
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end(req.url === '/health/ready' ? '{"status":"ok"}' : '');
});

const io = new Server<ClientToServerEvents, ServerToClientEvents>(http, { cors: { origin: true } });
const namespace = io.of(RECEIPTS_NAMESPACE);
const channel = new CoalescingPushChannel(namespace, PUSH_WINDOW_MS);
/** Numbers each user's pushes as the service's change feed does (in memory only). */
const heads = new Map<string, number>();
const pushes = {
  push(target: PushTarget, update: Unnumbered): void {
    const position = (heads.get(target.userId) ?? 0) + 1;
    heads.set(target.userId, position);
    channel.push(target, { ...update, position });
  },
};

namespace.use((socket, next) => {
  const auth = socket.handshake.auth as { userId?: unknown; deviceId?: unknown };
  if (typeof auth.userId !== 'string' || typeof auth.deviceId !== 'string')
    return next(new Error('UNAUTHENTICATED'));
  Object.assign(socket.data, { userId: auth.userId, deviceId: auth.deviceId });
  void socket.join([userRoom(auth.userId), deviceRoom(auth.userId, auth.deviceId)]);
  next();
});

const tooLarge = (message: string) =>
  ({ ok: false, error: { code: 'BATCH_TOO_LARGE', message, retryable: false } }) as const;

/** Answers one ACK and pushes what it changed; a read also syncs the reader's other devices. */
const apply = (socket: DeviceSocket, item: AckItem): Outcome['result'] => {
  const { userId, deviceId } = socket.data;
  if (item.type === 'delivered' && item.messageIds.length > MAX_DELIVERED_BATCH)
    return tooLarge(`at most ${MAX_DELIVERED_BATCH} ids`);
  const outcome =
    item.type === 'read'
      ? state.read(userId, item.conversationId, item.upToSequence)
      : state.delivered(
          userId,
          item.conversationId,
          item.type === 'delivered' ? item.messageIds : item.upToSequence,
        );
  for (const [to, update] of outcome.pushes) pushes.push({ userId: to }, update);
  if (item.type === 'read' && outcome.result.ok && outcome.result.applied > 0) {
    pushes.push(
      { userId, exceptDeviceId: deviceId },
      {
        type: 'read_sync',
        conversationId: item.conversationId,
        readUpToSequence: item.upToSequence,
        unread: 0,
        totalUnread: 0,
      },
    );
  }
  return outcome.result;
};

namespace.on('connection', (socket: DeviceSocket) => {
  socket.on('receipt:ack', (frame, answer) => {
    if (frame.items.length > MAX_ACK_ITEMS)
      return answer(tooLarge(`at most ${MAX_ACK_ITEMS} items`));
    const result: AckFrameResult = {
      ok: true,
      results: frame.items.map((item) => apply(socket, item)),
    };
    answer(result);
  });
  socket.on('receipt:delivered', (ack, answer) => {
    const { conversationId } = ack;
    answer(
      'messageIds' in ack
        ? apply(socket, { type: 'delivered', conversationId, messageIds: ack.messageIds })
        : apply(socket, {
            type: 'delivered_up_to',
            conversationId,
            upToSequence: ack.upToSequence,
          }),
    );
  });
  socket.on('receipt:read', (ack, answer) => {
    answer(apply(socket, { type: 'read', ...ack }));
  });
});

http.listen(Number(process.env.PORT ?? 3100), process.env.HOST ?? '127.0.0.1', () => {
  console.log(`relay listening on ${process.env.PORT ?? 3100}`);
});
process.on('SIGTERM', () => {
  void io.close();
  process.exit(0);
});
