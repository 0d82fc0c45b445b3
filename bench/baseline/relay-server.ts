/**
 * Baseline (a): the bare Socket.IO relay. Same wire contract as the service (POST /messages and /messages/batch,
 * namespace /receipts, the same ACK frames and `receipts` pushes), but no storage, no projection
 * and no group summaries: it remembers messages in memory, answers each ACK at once and relays a
 * notification to the sender. Its throughput is the ceiling of "Socket.IO + JSON + this generator".
 */
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import { Server, type Socket } from 'socket.io';
import {
  type AckResult,
  type ClientToServerEvents,
  RECEIPTS_NAMESPACE,
  type ReceiptUpdate,
  type ServerToClientEvents,
  deviceRoom,
  userRoom,
} from '@receipts/contracts';

type Message = { id: string; sequence: number; senderId: string; recipients: Set<string> };
type Conversation = {
  byId: Map<string, Message>;
  bySequence: Message[];
  delivered: Set<string>;
  cursors: Map<string, number>;
};
type DeviceSocket = Socket<ClientToServerEvents, ServerToClientEvents, object, { userId: string }>;

const conversations = new Map<string, Conversation>();

const conversation = (id: string): Conversation => {
  let found = conversations.get(id);
  if (!found)
    conversations.set(
      id,
      (found = { byId: new Map(), bySequence: [], delivered: new Set(), cursors: new Map() }),
    );
  return found;
};

/** Messages with from < sequence <= to (registrations arrive in sequence order per conversation). */
const between = (c: Conversation, from: number, to: number): Message[] =>
  c.bySequence.filter((m) => m.sequence > from && m.sequence <= to);

type Registration = {
  conversationId: string;
  messageId: string;
  senderId: string;
  sequence: number;
  recipientIds: string[];
};

const remember = (m: Registration) => {
  const c = conversation(m.conversationId);
  if (!c.byId.has(m.messageId)) {
    const message = {
      id: m.messageId,
      sequence: m.sequence,
      senderId: m.senderId,
      recipients: new Set(m.recipientIds),
    };
    c.byId.set(m.messageId, message);
    c.bySequence.push(message);
    c.cursors.set(m.senderId, Math.max(c.cursors.get(m.senderId) ?? 0, m.sequence));
  }
  return { conversationId: m.conversationId, messageId: m.messageId, status: 'registered' };
};

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
      if (req.url === '/messages') return answerJson(res, 201, remember(body as Registration));
      const { messages } = body as { messages: Registration[] };
      answerJson(res, 200, { results: messages.map(remember) });
    });
    return;
  }
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end(req.url === '/health/ready' ? '{"status":"ok"}' : '');
});

const io = new Server<ClientToServerEvents, ServerToClientEvents>(http, { cors: { origin: true } });
const namespace = io.of(RECEIPTS_NAMESPACE);

namespace.use((socket, next) => {
  const auth = socket.handshake.auth as { userId?: unknown; deviceId?: unknown };
  if (typeof auth.userId !== 'string' || typeof auth.deviceId !== 'string')
    return next(new Error('UNAUTHENTICATED'));
  (socket as DeviceSocket).data.userId = auth.userId;
  void socket.join([userRoom(auth.userId), deviceRoom(auth.userId, auth.deviceId)]);
  next();
});

const unknown: AckResult = {
  ok: false,
  error: { code: 'UNKNOWN_CONVERSATION', message: 'unknown', retryable: false },
};

namespace.on('connection', (socket: DeviceSocket) => {
  const userId = socket.data.userId;
  socket.on('receipt:delivered', (ack, answer) => {
    const c = conversations.get(ack.conversationId);
    if (!c) return answer(unknown);
    const cursor = c.cursors.get(userId) ?? 0;
    const candidates =
      'messageIds' in ack
        ? ack.messageIds.map((id) => c.byId.get(id)).filter((m): m is Message => m !== undefined)
        : between(c, cursor, ack.upToSequence).filter((m) => m.recipients.has(userId));
    const bySender = new Map<string, ReceiptUpdate[]>();
    const deliveredAt = new Date().toISOString();
    for (const m of candidates) {
      const key = `${m.sequence}|${userId}`;
      if (m.sequence <= cursor || c.delivered.has(key)) continue;
      c.delivered.add(key);
      const updates = bySender.get(m.senderId) ?? [];
      bySender.set(m.senderId, updates);
      updates.push({
        type: 'delivered',
        conversationId: ack.conversationId,
        messageId: m.id,
        sequence: m.sequence,
        recipientId: userId,
        deliveredAt,
      });
    }
    let applied = 0;
    for (const [senderId, updates] of bySender) {
      namespace.to(userRoom(senderId)).emit('receipts', updates);
      applied += updates.length;
    }
    answer({
      ok: true,
      applied,
      duplicates: 'messageIds' in ack ? ack.messageIds.length - applied : applied === 0 ? 1 : 0,
    });
  });

  socket.on('receipt:read', (ack, answer) => {
    const c = conversations.get(ack.conversationId);
    if (!c) return answer(unknown);
    const cursor = c.cursors.get(userId) ?? 0;
    if (ack.upToSequence <= cursor) return answer({ ok: true, applied: 0, duplicates: 1 });
    c.cursors.set(userId, ack.upToSequence);
    const bySender = new Map<string, Array<{ messageId: string; sequence: number }>>();
    for (const m of between(c, cursor, ack.upToSequence)) {
      if (m.senderId === userId) continue;
      bySender.set(m.senderId, [
        ...(bySender.get(m.senderId) ?? []),
        { messageId: m.id, sequence: m.sequence },
      ]);
    }
    const readAt = new Date().toISOString();
    for (const [senderId, messages] of bySender) {
      namespace.to(userRoom(senderId)).emit('receipts', [
        {
          type: 'read',
          conversationId: ack.conversationId,
          readerId: userId,
          readUpToSequence: ack.upToSequence,
          readAt,
          messages,
        },
      ]);
    }
    socket.to(userRoom(userId)).emit('receipts', [
      {
        type: 'read_sync',
        conversationId: ack.conversationId,
        readUpToSequence: ack.upToSequence,
        unread: 0,
        totalUnread: 0,
      },
    ]);
    answer({ ok: true, applied: 1, duplicates: 0 });
  });
});

http.listen(Number(process.env.PORT ?? 3100), process.env.HOST ?? '127.0.0.1', () => {
  console.log(`relay listening on ${process.env.PORT ?? 3100}`);
});
process.on('SIGTERM', () => {
  void io.close();
  process.exit(0);
});
