/**
 * The operator CLI against real processes: the built API on a temp data dir, and the built CLI
 * (`projections status | pause | resume | rebuild`) working on the same files while it runs.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { rebuildReadModels } from '@receipts/application';
import { SqliteEventStore } from '@receipts/event-store';
import { SqliteReadStore, readModelContents } from '@receipts/read-store';
import { cli, killAllCli, startCli } from './support/operator-cli';
import { connectDevice } from './support/devices';
import { CHAT_SERVER, OPERATOR, get, registerOk } from './support/http';
import { type Server, ensureBuilt, killAll, killServer, startServer } from './support/process';
import { delay, eventually } from './support/wait';

jest.setTimeout(120_000);

const dirs: string[] = [];
const tempDir = (): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'receipts-projections-cli-'));
  dirs.push(dir);
  return dir;
};

beforeAll(() => ensureBuilt());
afterAll(async () => {
  killAllCli();
  await killAll();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

type Status = {
  checkpoint: string | null;
  head: string | null;
  lagEvents: number;
  state: string;
  parked: number;
};

const status = async (dataDir: string): Promise<Status> => {
  const { code, stdout } = await cli(dataDir, 'projections', 'status', '--json');
  expect(code).toBe(0);
  return (JSON.parse(stdout) as Status[])[0]!;
};

const caughtUp = (dataDir: string, timeoutMs = 20_000) =>
  eventually(
    'the projection at the log head',
    async () => {
      const s = await status(dataDir);
      expect(s.checkpoint).toBe(s.head);
      return s;
    },
    { timeoutMs, intervalMs: 200 },
  );

/** Registers `count` messages from alice to bob and carol in `c`, 500 per request. */
const seed = async (url: string, c: string, count: number, from = 1): Promise<void> => {
  for (let start = from; start < from + count; start += 500) {
    const messages = [];
    for (let s = start; s < Math.min(start + 500, from + count); s++) {
      messages.push({
        messageId: `m${s}`,
        conversationId: c,
        senderId: 'alice',
        sequence: s,
        recipientIds: ['bob', 'carol'],
        sentAt: new Date().toISOString(),
      });
    }
    const answer = await fetch(`${url}/messages/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...CHAT_SERVER },
      body: JSON.stringify({ messages }),
    });
    expect(answer.status).toBe(200);
  }
};

/** The read models a replay of the whole log from scratch gives, row by row. */
const replayOf = async (dataDir: string) => {
  const dir = tempDir();
  for (const file of ['events.sqlite', 'events.sqlite-wal']) {
    const from = path.join(dataDir, file);
    if (fs.existsSync(from)) fs.copyFileSync(from, path.join(dir, file));
  }
  const events = new SqliteEventStore(path.join(dir, 'events.sqlite'));
  const target = new SqliteReadStore(path.join(dir, 'read-models.sqlite'), { bulk: true });
  await rebuildReadModels(events, target, { via: 'batches' });
  await target.close();
  await events.close();
  return readModelContents(path.join(dir, 'read-models.sqlite'));
};

const liveModels = (dataDir: string) => readModelContents(path.join(dataDir, 'read-models.sqlite'));

describe('projections status, pause and resume against a running service', () => {
  let server: Server;
  afterEach(() => killServer(server));

  it('reports the head and lag, holds the projector while paused and lets it catch up on resume', async () => {
    const dataDir = tempDir();
    server = await startServer(dataDir);
    await seed(server.url, 'c1', 5);
    await caughtUp(dataDir);

    const plain = await cli(dataDir, 'projections');
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(
      /^projection=receipts checkpoint=(\d+) head=\1 lag_events=0 lag_seconds=0 state=running parked=0 last_error=- last_error_at=-\n$/,
    );

    expect((await cli(dataDir, 'projections', 'pause')).code).toBe(0);
    await eventually('readiness says paused', async () => {
      const ready = await get(server.url, '/health/ready', OPERATOR);
      expect(ready.body).toMatchObject({ projector: { state: 'paused' } });
    });
    const held = await status(dataDir);
    await registerOk(server.url, {
      messageId: 'm6',
      conversationId: 'c1',
      senderId: 'alice',
      sequence: 6,
      recipientIds: ['bob'],
    });
    await delay(500);
    expect(await status(dataDir)).toMatchObject({
      checkpoint: held.checkpoint,
      lagEvents: 2,
      state: 'paused',
    });

    expect((await cli(dataDir, 'projections', 'resume')).code).toBe(0);
    const after = await caughtUp(dataDir);
    expect(after.state).toBe('running');
    expect(BigInt(after.checkpoint!)).toBeGreaterThan(BigInt(held.checkpoint!));
  });
});

describe('projections rebuild', () => {
  let server: Server;
  afterEach(() => killServer(server));

  it('rebuilds during a live stream of ACKs: every ACK answered, none lost or doubled, models equal a replay', async () => {
    const dataDir = tempDir();
    server = await startServer(dataDir);
    await seed(server.url, 'history', 3_000);
    await seed(server.url, 'live', 400);
    await caughtUp(dataDir);
    const devices = [
      await connectDevice(server.url, 'bob', 'phone'),
      await connectDevice(server.url, 'carol', 'phone'),
    ];
    try {
      const rebuild = startCli(dataDir, ['projections', 'rebuild', '--batch', '200']);
      let rebuilt = false;
      void rebuild.done.then(() => (rebuilt = true));
      let sequence = 0;
      // ACK frames before, during and after the rebuild, each answered before the next is sent
      // (within the devices' frame rate: at most 250 frames each).
      while (sequence < 250 && (!rebuilt || sequence < 40)) {
        sequence += 1;
        for (const device of devices) {
          const items = [
            { type: 'delivered', conversationId: 'live', messageIds: [`m${sequence}`] },
            ...(sequence % 5 === 0
              ? [{ type: 'read', conversationId: 'live', upToSequence: sequence }]
              : []),
          ];
          const answer = (await device.raw('receipt:ack', { items })) as unknown;
          expect(answer).toEqual({
            ok: true,
            results: items.map(() => ({ ok: true, applied: 1, duplicates: 0 })),
          });
        }
      }
      const result = await rebuild.done;
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
      expect(result.stdout).toMatch(
        /^receipts: rebuilt from \d+ events in [\d.]+ s; switched in at position \d+/,
      );
      expect(rebuilt).toBe(true);

      await caughtUp(dataDir);
      const live = liveModels(dataDir);
      expect(live).toEqual(await replayOf(dataDir));
      const delivered = live.recipient_receipts.filter((row) => {
        const [c, , , at] = JSON.parse(row) as [string, number, string, string | null];
        return c === 'live' && at !== null;
      });
      expect(delivered).toHaveLength(2 * sequence);
      const read = sequence - (sequence % 5);
      const cursors = live.read_cursors
        .map((row) => (JSON.parse(row) as unknown[]).slice(0, 5))
        .filter((row) => row[1] === 'live' && row[0] !== 'alice');
      expect(cursors).toEqual([
        ['bob', 'live', read, read, 400 - read],
        ['carol', 'live', read, read, 400 - read],
      ]);
      expect(fs.existsSync(path.join(dataDir, 'read-models.sqlite.rebuild'))).toBe(false);
    } finally {
      for (const device of devices) device.close();
    }
  });

  it('leaves the live models untouched when killed midway, and a second rebuild completes', async () => {
    const dataDir = tempDir();
    server = await startServer(dataDir);
    await seed(server.url, 'history', 10_000);
    await caughtUp(dataDir, 60_000);
    const before = liveModels(dataDir);

    const shadow = path.join(dataDir, 'read-models.sqlite.rebuild');
    const first = startCli(dataDir, ['projections', 'rebuild', '--batch', '20']);
    await eventually(
      'the rebuild writing its copy',
      () => expect(fs.statSync(shadow).size).toBeGreaterThan(100_000),
      {
        timeoutMs: 20_000,
        intervalMs: 10,
      },
    );
    first.child.kill('SIGKILL');
    expect((await first.done).signal).toBe('SIGKILL');

    expect(liveModels(dataDir)).toEqual(before);
    expect(await status(dataDir)).toMatchObject({ state: 'running', lagEvents: 0 });

    const second = await cli(dataDir, 'projections', 'rebuild', '--json');
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toEqual([
      expect.objectContaining({ projection: 'receipts', events: expect.any(Number) as unknown }),
    ]);
    expect(fs.existsSync(shadow)).toBe(false);
    const after = liveModels(dataDir);
    expect(after).toEqual(before);
    expect(after).toEqual(await replayOf(dataDir));
  });

  it('refuses a second rebuild while one runs', async () => {
    const dataDir = tempDir();
    server = await startServer(dataDir);
    await seed(server.url, 'history', 10_000);
    await caughtUp(dataDir, 60_000);
    const shadow = path.join(dataDir, 'read-models.sqlite.rebuild');
    const first = startCli(dataDir, ['projections', 'rebuild', '--batch', '20']);
    // The lease is claimed before the copy is created: once the copy exists, stop the rebuild
    // (it cannot finish meanwhile, however fast the machine).
    await eventually(
      'the first rebuild writing its copy',
      () => expect(fs.existsSync(shadow)).toBe(true),
      { timeoutMs: 20_000, intervalMs: 5 },
    );
    // Stopped, it still holds its lease (its process exists): nothing else may rebuild.
    first.child.kill('SIGSTOP');
    try {
      expect((await status(dataDir)).state).toBe('rebuilding');
      const second = await cli(dataDir, 'projections', 'rebuild');
      expect(second.code).toBe(1);
      expect(second.stderr).toMatch(/a rebuild of this projection is already running \(pid \d+ on/);
    } finally {
      first.child.kill('SIGCONT');
    }
    expect((await first.done).code).toBe(0);
    expect((await status(dataDir)).state).toBe('running');
  });
});
