/**
 * A long backlog in the log (a restart after downtime, a projector that was off) must not keep
 * the API from listening and answering while the projector catches up.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { toEventToAppend } from '@receipts/application';
import { SqliteEventStore } from '@receipts/event-store';
import { conversationStream } from '@receipts/domain';
import { DEV_IDENTITY, type RunningApp, startApp } from './support/app';
import { OPERATOR, get, register } from './support/http';
import { eventually } from './support/wait';

jest.setTimeout(60_000);

const CONVERSATIONS = 200;
const MESSAGES_PER_CONVERSATION = 150;

type Ready = { projector: { position: string | null } };

let running: RunningApp;

afterAll(async () => {
  await running?.close();
});

it('answers HTTP and registers messages while the projector is still catching up', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'receipts-backlog-'));
  const head = await writeBacklog(path.join(dataDir, 'events.sqlite'));

  running = await startApp(DEV_IDENTITY, dataDir);
  const ready = await get(running.url, '/health/ready', OPERATOR);
  const registered = await register(running.url, {
    messageId: 'late',
    conversationId: 'after-the-backlog',
    senderId: 'alice',
    sequence: 1,
    recipientIds: ['bob'],
  });
  const answeredAt = BigInt((ready.body as Ready).projector.position ?? '0');
  expect(registered.status).toBe(201);
  expect(answeredAt).toBeLessThan(head);

  await eventually(
    'the projector caught up',
    async () => {
      const position = (await get(running.url, '/health/ready', OPERATOR)).body as Ready;
      expect(BigInt(position.projector.position ?? '0')).toBeGreaterThan(head);
    },
    { timeoutMs: 50_000, intervalMs: 100 },
  );
});

/** Registrations written straight into the log, as a service that was down would find them. */
const writeBacklog = async (file: string): Promise<bigint> => {
  const store = new SqliteEventStore(file, 5);
  let head = 0n;
  try {
    for (let c = 0; c < CONVERSATIONS; c++) {
      const conversationId = `backlog-${c}`;
      const events = Array.from({ length: MESSAGES_PER_CONVERSATION }, (_, i) =>
        toEventToAppend(
          {
            type: 'message_sent',
            data: {
              conversationId,
              messageId: `m${i + 1}`,
              senderId: 'alice',
              sequence: i + 1,
              recipientIds: ['bob', 'carol'],
              sentAt: '2026-01-01T10:00:00.000Z',
            },
          },
          {},
        ),
      );
      const result = await store.appendToStream(
        conversationStream(conversationId),
        events,
        'no_stream',
      );
      head = result.position;
    }
  } finally {
    await store.close();
  }
  return head;
};
