/**
 * Verify's speed: builds (once) a log of group conversations in <dir>, projects it into the
 * read-model file, then times `projections verify`'s work (replay to the checkpoint in memory,
 * snapshot of the live documents, comparison) and prints a table.
 * Usage: npm run build && node dist/bench/verify.js <dir> [conversations=2800]
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ProjectionAudit, rebuildReadModels } from '@receipts/application';
import {
  type DomainEvent,
  conversationStream,
  receiptsStream,
  schemaVersionOf,
} from '@receipts/domain';
import { type EventStore, SqliteEventStore } from '@receipts/event-store';
import { RECEIPTS_PROJECTION } from '@receipts/read-models';
import { SqliteReadStore } from '@receipts/read-store';
import { int, num, table } from './format';

const MESSAGES = 25;
const MEMBERS = 5;
/** Recipients ACK deliveries and read every this many messages. */
const EVERY = 5;

const at = (minute: number): string => new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString();

/** One group conversation: the messages, the sender's own reads, deliveries and reads. */
const conversation = (c: string): Map<string, DomainEvent[]> => {
  const users = Array.from({ length: MEMBERS }, (_, i) => `u${i}-${c}`);
  const streams = new Map<string, DomainEvent[]>([[conversationStream(c), []]]);
  const push = (stream: string, event: DomainEvent) =>
    streams.set(stream, [...(streams.get(stream) ?? []), event]);
  const read = new Map<string, number>();
  for (let sequence = 1; sequence <= MESSAGES; sequence++) {
    const senderId = users[sequence % MEMBERS]!;
    const recipientIds = users.filter((u) => u !== senderId);
    push(conversationStream(c), {
      type: 'message_sent',
      data: {
        conversationId: c,
        messageId: `m${sequence}`,
        senderId,
        sequence,
        recipientIds,
        sentAt: at(sequence),
      },
    });
    const readBy = (userId: string, deviceId: string | null) => {
      const previous = read.get(userId) ?? 0;
      read.set(userId, sequence);
      push(receiptsStream(c, userId), {
        type: 'conversation_read',
        data: {
          conversationId: c,
          userId,
          deviceId,
          readUpToSequence: sequence,
          previousReadUpToSequence: previous,
          previousSharedReadUpToSequence: previous,
          receiptsShared: true,
          readAt: at(sequence),
        },
      });
    };
    readBy(senderId, null);
    if (sequence % EVERY !== 0) continue;
    for (const userId of users) {
      const covered = Array.from({ length: EVERY }, (_, i) => sequence - EVERY + 1 + i).filter(
        (s) => users[s % MEMBERS] !== userId,
      );
      push(receiptsStream(c, userId), {
        type: 'message_delivered',
        data: {
          conversationId: c,
          userId,
          deviceId: 'phone',
          deliveredAt: at(sequence),
          messages: covered.map((s) => ({
            messageId: `m${s}`,
            sequence: s,
            senderId: users[s % MEMBERS]!,
          })),
        },
      });
      if (users[sequence % MEMBERS] !== userId) readBy(userId, 'phone');
    }
  }
  return streams;
};

const buildLog = async (events: EventStore, conversations: number): Promise<void> => {
  for (let i = 0; i < conversations; i += 50) {
    const appends: Promise<unknown>[] = [];
    for (let j = i; j < Math.min(i + 50, conversations); j++) {
      for (const [stream, list] of conversation(`c${j}`)) {
        const toAppend = list.map((event) => ({
          id: randomUUID(),
          type: event.type,
          data: event.data,
          metadata: { schemaVersion: schemaVersionOf(event.type) },
        }));
        appends.push(events.appendToStream(stream, toAppend, 'any'));
      }
    }
    await Promise.all(appends);
  }
};

const main = async (dir: string, conversations: number): Promise<void> => {
  const liveFile = join(dir, 'read-models.sqlite');
  const fresh = !existsSync(join(dir, 'events.sqlite'));
  const events = new SqliteEventStore(join(dir, 'events.sqlite'));
  if (fresh) {
    await buildLog(events, conversations);
    const live = new SqliteReadStore(liveFile);
    await rebuildReadModels(events, live, { via: 'memory' });
    await live.close();
  }
  const reads = new SqliteReadStore(liveFile);
  const verification = await new ProjectionAudit(events, reads, RECEIPTS_PROJECTION).verify();
  await events.close();
  await reads.close();
  const { events: replayed, documents, replayMs, compareMs } = verification;
  console.log(
    table(
      [
        'events',
        'replay s',
        'events/s',
        'documents compared',
        'compare s',
        'documents/s',
        'total s',
        'peak RSS MB',
        'drifted',
      ],
      [
        [
          int(replayed),
          num(replayMs / 1000),
          int(replayed / (replayMs / 1000)),
          int(documents),
          num(compareMs / 1000),
          int(documents / Math.max(compareMs / 1000, 0.001)),
          num((replayMs + compareMs) / 1000),
          int(process.resourceUsage().maxRSS / 1024),
          int(verification.drifted.length),
        ],
      ],
    ),
  );
};

main(process.argv[2] ?? '.', Number(process.argv[3] ?? 2800)).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
