/**
 * Durability across crashes, with real processes: the built API (dist/apps/api/src/main.js) is
 * spawned on a temp data dir, SIGKILLed right after (or in the middle of) answered ACKs, and
 * restarted on the same data dir. Every ACK that got success must be visible, counts must not be
 * doubled, and the live read models must equal a fresh rebuild from a copy of the event log.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type Socket, io } from 'socket.io-client';
import type { AckResult } from '@receipts/contracts';
import { type Server, ensureBuilt, killAll, killServer, startServer } from './support/process';
import { detail, registerOk, summary, unreadIn, unreadTotal } from './support/http';
import { eventually } from './support/wait';
import { anyNumber, containing, matching } from './support/matchers';

jest.setTimeout(45_000);

const dirs: string[] = [];
const sockets: Socket[] = [];
const tempDir = (): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'receipts-restart-'));
  dirs.push(dir);
  return dir;
};

/** A raw device: no reconnection, so nothing buffered is replayed into the next process. */
const connect = (url: string, userId: string, deviceId = 'phone'): Promise<Socket> =>
  new Promise((resolve, reject) => {
    const socket = io(`${url}/receipts`, {
      auth: { userId, deviceId },
      transports: ['websocket'],
      reconnection: false,
    });
    sockets.push(socket);
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });

/** Emits an ACK; resolves with the answer, or null when none came (process killed). */
const ack = (
  socket: Socket,
  event: 'receipt:delivered' | 'receipt:read',
  payload: unknown,
  timeoutMs = 5000,
): Promise<AckResult | null> =>
  new Promise((resolve) => {
    socket
      .timeout(timeoutMs)
      .emit(event, payload, (error: unknown, answer: AckResult) => resolve(error ? null : answer));
  });

const okAck = async (
  socket: Socket,
  event: 'receipt:delivered' | 'receipt:read',
  payload: unknown,
  applied: number,
): Promise<void> => {
  expect({ payload, answer: await ack(socket, event, payload) }).toEqual({
    payload,
    answer: { ok: true, applied, duplicates: anyNumber },
  });
};

/**
 * Registers a marker message and waits until it is projected: the projector follows the log in
 * order, so afterwards every earlier event (including any replay after a restart) is applied.
 */
let markers = 0;
const caughtUp = async (server: Server): Promise<void> => {
  const messageId = `marker-${++markers}`;
  await registerOk(server.url, {
    messageId,
    conversationId: messageId,
    senderId: 'ops',
    sequence: 1,
    recipientIds: ['nobody'],
  });
  await eventually(
    `projector of pid ${server.process.pid} caught up`,
    async () => {
      expect((await detail(server.url, messageId, messageId, 'ops')).status).toBe(200);
    },
    { timeoutMs: 10_000 },
  );
};

const closeSockets = (): void => {
  while (sockets.length > 0) sockets.pop()!.close();
};

beforeAll(() => {
  ensureBuilt();
}, 120_000);

afterEach(() => closeSockets());

afterAll(async () => {
  closeSockets();
  await killAll();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe('SIGKILL right after the answers', () => {
  it('keeps every acknowledged ACK, never double counts, and keeps working', async () => {
    const dataDir = tempDir();
    let server = await startServer(dataDir);
    const dm = 'dm-1';
    const group = 'group-1';
    for (const sequence of [1, 2, 3]) {
      await registerOk(server.url, {
        messageId: `d${sequence}`,
        conversationId: dm,
        senderId: 'alice',
        sequence,
        recipientIds: ['bob'],
      });
    }
    for (const sequence of [1, 2]) {
      await registerOk(server.url, {
        messageId: `g${sequence}`,
        conversationId: group,
        senderId: 'alice',
        sequence,
        recipientIds: ['bob', 'carol', 'dave'],
      });
    }
    const bob = await connect(server.url, 'bob');
    const carol = await connect(server.url, 'carol');
    await okAck(
      bob,
      'receipt:delivered',
      { conversationId: dm, messageIds: ['d1', 'd2', 'd3'] },
      3,
    );
    await okAck(bob, 'receipt:read', { conversationId: dm, upToSequence: 2 }, 1);
    await okAck(carol, 'receipt:delivered', { conversationId: group, upToSequence: 2 }, 2);
    await okAck(carol, 'receipt:read', { conversationId: group, upToSequence: 1 }, 1);
    await okAck(bob, 'receipt:delivered', { conversationId: group, messageIds: ['g1'] }, 1);
    await killServer(server); // no waiting for the projector
    closeSockets();

    const expectState = async (s: Server, daveDone: boolean): Promise<void> => {
      const sum = async (c: string, m: string) => (await summary(s.url, c, m, 'alice')).body;
      expect(await sum(dm, 'd1')).toMatchObject({
        totalRecipients: 1,
        deliveredCount: 1,
        readCount: 1,
        status: 'read',
      });
      expect(await sum(dm, 'd2')).toMatchObject({
        deliveredCount: 1,
        readCount: 1,
        status: 'read',
      });
      expect(await sum(dm, 'd3')).toMatchObject({
        deliveredCount: 1,
        readCount: 0,
        status: 'delivered',
      });
      expect(await sum(group, 'g1')).toMatchObject({
        totalRecipients: 3,
        deliveredCount: daveDone ? 3 : 2,
        readCount: daveDone ? 2 : 1,
      });
      expect(await sum(group, 'g2')).toMatchObject({
        totalRecipients: 3,
        deliveredCount: daveDone ? 2 : 1,
        readCount: daveDone ? 1 : 0,
      });
      const g1 = (await detail(s.url, group, 'g1', 'alice')).body;
      const status = Object.fromEntries(
        g1.recipients.map((r: { userId: string; status: string }) => [r.userId, r.status]),
      );
      expect(status).toEqual({ bob: 'delivered', carol: 'read', dave: daveDone ? 'read' : 'sent' });
      expect((await unreadIn(s.url, 'bob', dm)).body).toMatchObject({ readUpTo: 2, unread: 1 });
      expect((await unreadIn(s.url, 'bob', group)).body).toMatchObject({ readUpTo: 0, unread: 2 });
      expect((await unreadTotal(s.url, 'bob')).body).toMatchObject({ totalUnread: 3 });
      expect((await unreadTotal(s.url, 'carol')).body).toMatchObject({ totalUnread: 1 });
      expect((await unreadTotal(s.url, 'dave')).body).toMatchObject({
        totalUnread: daveDone ? 0 : 2,
      });
      expect((await unreadTotal(s.url, 'alice')).body).toMatchObject({ totalUnread: 0 });
    };

    server = await startServer(dataDir);
    await caughtUp(server);
    await expectState(server, false);

    // Retries after the restart are duplicates: success, nothing applied.
    const bob2 = await connect(server.url, 'bob', 'laptop');
    const carol2 = await connect(server.url, 'carol');
    await okAck(
      bob2,
      'receipt:delivered',
      { conversationId: dm, messageIds: ['d1', 'd2', 'd3'] },
      0,
    );
    await okAck(bob2, 'receipt:read', { conversationId: dm, upToSequence: 2 }, 0);
    await okAck(carol2, 'receipt:delivered', { conversationId: group, upToSequence: 2 }, 0);
    await okAck(carol2, 'receipt:read', { conversationId: group, upToSequence: 1 }, 0);
    // A further ACK works.
    const dave = await connect(server.url, 'dave');
    await okAck(dave, 'receipt:delivered', { conversationId: group, messageIds: ['g1', 'g2'] }, 2);
    await okAck(dave, 'receipt:read', { conversationId: group, upToSequence: 2 }, 1);
    await caughtUp(server);
    await expectState(server, true);

    // Crash once more, without any pause: the projector resumes from its checkpoint, exactly once.
    await killServer(server);
    closeSockets();
    server = await startServer(dataDir);
    await caughtUp(server);
    await expectState(server, true);
    await killServer(server, 'SIGTERM');
  });
});

describe('SIGKILL in the middle of a burst of ACKs', () => {
  const N = 90;
  const conv = 'burst';
  const bobReads = Array.from({ length: 10 }, (_, i) => (i + 1) * 6); // 6..60
  const carolDelivers = Array.from({ length: 24 }, (_, i) => (i + 1) * 3); // 3..72
  const carolReads = Array.from({ length: 11 }, (_, i) => (i + 1) * 5); // 5..55

  type Sent = {
    who: 'bob' | 'carol';
    event: 'receipt:delivered' | 'receipt:read';
    payload: Record<string, unknown>;
    answer?: AckResult | null;
  };

  /** Every user-visible number of the burst conversation, to compare two servers. */
  const state = async (s: Server) => {
    const messages = await Promise.all(
      Array.from({ length: N }, async (_, i) => {
        const body = (await detail(s.url, conv, `b${i + 1}`, 'alice')).body;
        return {
          summary: body.summary,
          statuses: body.recipients
            .map((r: { userId: string; status: string }) => `${r.userId}:${r.status}`)
            .sort(),
        };
      }),
    );
    const cursor = async (u: string) => {
      const { readUpTo, sharedReadUpTo, unread } = (await unreadIn(s.url, u, conv)).body;
      return {
        readUpTo,
        sharedReadUpTo,
        unread,
        total: (await unreadTotal(s.url, u)).body.totalUnread,
      };
    };
    return {
      messages,
      bob: await cursor('bob'),
      carol: await cursor('carol'),
      alice: await cursor('alice'),
    };
  };

  it('keeps every ACK answered ok, equals a fresh rebuild, and converges exactly after retries', async () => {
    const dataDir = tempDir();
    let server = await startServer(dataDir);
    for (let seq = 1; seq <= N; seq++) {
      await registerOk(server.url, {
        messageId: `b${seq}`,
        conversationId: conv,
        senderId: 'alice',
        sequence: seq,
        recipientIds: ['bob', 'carol'],
      });
    }
    const bob = await connect(server.url, 'bob');
    const carol = await connect(server.url, 'carol');

    const plan: Sent[] = [];
    for (let seq = 1; seq <= N; seq++) {
      plan.push({
        who: 'bob',
        event: 'receipt:delivered',
        payload: { conversationId: conv, messageIds: [`b${seq}`] },
      });
      if (bobReads.includes(seq))
        plan.push({
          who: 'bob',
          event: 'receipt:read',
          payload: { conversationId: conv, upToSequence: seq },
        });
      if (carolDelivers.includes(seq))
        plan.push({
          who: 'carol',
          event: 'receipt:delivered',
          payload: { conversationId: conv, upToSequence: seq },
        });
      if (carolReads.includes(seq))
        plan.push({
          who: 'carol',
          event: 'receipt:read',
          payload: { conversationId: conv, upToSequence: seq },
        });
    }
    // Each device pipelines its ACKs (up to WINDOW in flight, as a busy client would); the
    // process is SIGKILLed synchronously as soon as a third of the answers arrived.
    const WINDOW = 3;
    const killAfter = Math.floor(plan.length / 3);
    const t0 = Date.now();
    const lap = (what: string) => process.env.DEBUG_BURST && console.log(what, Date.now() - t0);
    let answered = 0;
    let killed = false;
    const pid = server.process.pid!;
    const exited = new Promise((resolve) => server.process.once('exit', resolve));
    const send = (sent: Sent): Promise<void> =>
      new Promise((resolve) => {
        (sent.who === 'bob' ? bob : carol)
          .timeout(2000)
          .emit(sent.event, sent.payload, (error: unknown, answer: AckResult) => {
            sent.answer = error ? null : answer;
            if (!error && ++answered === killAfter) {
              killed = true;
              process.kill(pid, 'SIGKILL');
            }
            resolve();
          });
      });
    const pipeline = async (who: Sent['who']): Promise<void> => {
      const queue = plan.filter((s) => s.who === who);
      const inFlight = new Set<Promise<void>>();
      for (const sent of queue) {
        if (killed) break;
        const p: Promise<void> = send(sent).then(() => void inFlight.delete(p));
        inFlight.add(p);
        if (inFlight.size >= WINDOW) await Promise.race(inFlight);
      }
      await Promise.all(inFlight);
    };
    await Promise.all([pipeline('bob'), pipeline('carol')]);
    await exited;
    closeSockets();
    lap('killed');

    const ok = plan.filter((s) => s.answer?.ok === true);
    const failed = plan.filter((s) => s.answer && !s.answer.ok);
    const unanswered = plan.filter((s) => s.answer === null || s.answer === undefined);
    if (process.env.DEBUG_BURST)
      console.log(
        JSON.stringify(
          {
            ok: ok.length,
            failed: failed.map((s) => [s.who, s.event, s.payload, s.answer]),
            unanswered: unanswered.length,
          },
          null,
          1,
        ).slice(0, 4000),
      );
    // The kill landed mid-stream: a third answered, the rest unanswered or never sent.
    expect(ok.length + failed.length).toBeGreaterThanOrEqual(killAfter);
    expect(ok.length).toBeGreaterThan(killAfter / 2);
    expect(unanswered.length).toBeGreaterThan(0);
    // Answers that were errors may only be retryable ones (e.g. a concurrency conflict).
    for (const s of failed)
      expect(s.answer).toMatchObject({ ok: false, error: { retryable: true } });

    // A fresh rebuild: the event log copied to another data dir, projected from scratch.
    const rebuildDir = tempDir();
    for (const file of fs.readdirSync(dataDir).filter((f) => f.startsWith('events.sqlite'))) {
      fs.copyFileSync(path.join(dataDir, file), path.join(rebuildDir, file));
    }

    server = await startServer(dataDir);
    const rebuilt = await startServer(rebuildDir);
    await caughtUp(server);
    await caughtUp(rebuilt);
    lap('restarted');

    // Every ACK answered ok is there.
    const maxOf = (who: Sent['who'], event: Sent['event']) =>
      Math.max(
        0,
        ...ok
          .filter((s) => s.who === who && s.event === event && 'upToSequence' in s.payload)
          .map((s) => s.payload.upToSequence as number),
      );
    const live = await state(server);
    for (const s of ok.filter((x) => x.who === 'bob' && x.event === 'receipt:delivered')) {
      const seq = Number(String((s.payload.messageIds as string[])[0]).slice(1));
      expect({ seq, bob: live.messages[seq - 1]!.statuses[0] }).toEqual({
        seq,
        bob: matching(/^bob:(delivered|read)$/),
      });
    }
    expect(live.bob.readUpTo).toBeGreaterThanOrEqual(maxOf('bob', 'receipt:read'));
    expect(live.carol.readUpTo).toBeGreaterThanOrEqual(maxOf('carol', 'receipt:read'));
    const carolDelivered = maxOf('carol', 'receipt:delivered');
    for (let seq = 1; seq <= carolDelivered; seq++) {
      expect({ seq, carol: live.messages[seq - 1]!.statuses[1] }).toEqual({
        seq,
        carol: matching(/^carol:(delivered|read)$/),
      });
    }
    // Counts agree with the per-recipient facts and with unread, and with the rebuild.
    for (const [i, m] of live.messages.entries()) {
      const delivered = m.statuses.filter((x: string) => !x.endsWith(':sent')).length;
      const read = m.statuses.filter((x: string) => x.endsWith(':read')).length;
      expect({
        seq: i + 1,
        deliveredCount: m.summary.deliveredCount,
        readCount: m.summary.readCount,
      }).toEqual({ seq: i + 1, deliveredCount: delivered, readCount: read });
    }
    expect(live.bob).toMatchObject({ unread: N - live.bob.readUpTo, total: N - live.bob.readUpTo });
    expect(live.carol).toMatchObject({
      unread: N - live.carol.readUpTo,
      total: N - live.carol.readUpTo,
    });
    expect(live).toEqual(await state(rebuilt));
    await killServer(rebuilt, 'SIGTERM');
    lap('compared');

    // The client retries everything (what a device does with unanswered ACKs): all succeed and
    // the final numbers are exactly determined.
    const bob2 = await connect(server.url, 'bob');
    const carol2 = await connect(server.url, 'carol');
    for (const s of plan) {
      const answer = await ack(s.who === 'bob' ? bob2 : carol2, s.event, s.payload);
      expect({ s: s.payload, answer }).toEqual({ s: s.payload, answer: containing({ ok: true }) });
    }
    await caughtUp(server);
    lap('retried');
    const final = await state(server);
    const bobRead = Math.max(...bobReads);
    const carolRead = Math.max(...carolReads);
    const carolDeliv = Math.max(...carolDelivers);
    final.messages.forEach((m, i) => {
      const seq = i + 1;
      const readCount = Number(seq <= bobRead) + Number(seq <= carolRead);
      const deliveredCount = 1 + Number(seq <= carolDeliv);
      expect({ seq, ...m.summary }).toMatchObject({
        seq,
        totalRecipients: 2,
        deliveredCount,
        readCount,
        status: readCount === 2 ? 'read' : deliveredCount === 2 ? 'delivered' : 'sent',
      });
    });
    expect(final.bob).toEqual({
      readUpTo: bobRead,
      sharedReadUpTo: bobRead,
      unread: N - bobRead,
      total: N - bobRead,
    });
    expect(final.carol).toEqual({
      readUpTo: carolRead,
      sharedReadUpTo: carolRead,
      unread: N - carolRead,
      total: N - carolRead,
    });
    expect(final.alice).toEqual({ readUpTo: N, sharedReadUpTo: N, unread: 0, total: 0 });
    await killServer(server, 'SIGTERM');
  });
});
