/**
 * The event store on a disk that fills up: ACKs and registrations are answered with the
 * retryable STORE_UNAVAILABLE and nothing is half-written, readiness says the store cannot
 * write, and both recover once there is room again (a refused batch left none of its ids
 * applied). The disk is a small tmpfs, which needs root.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type Device, connectDevice } from './support/devices';
import { DEV_IDENTITY, type RunningApp, startApp } from './support/app';
import { anyString } from './support/matchers';
import { type MessageBody, OPERATOR, get, register, registerOk } from './support/http';
import { eventually } from './support/wait';

jest.setTimeout(30_000);

/** A 4 MB tmpfs for the data files, or null where this process may not mount one. */
const smallDisk = (): string | null => {
  if (process.getuid?.() !== 0) return null;
  const mountPoint = fs.mkdtempSync(path.join(os.tmpdir(), 'receipts-small-disk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mountPoint], { stdio: 'pipe' });
    return mountPoint;
  } catch {
    fs.rmSync(mountPoint, { recursive: true, force: true });
    return null;
  }
};

const mounted = smallDisk();
if (mounted === null) console.warn('skipped: this process cannot mount a small tmpfs (needs root)');
const describeOnSmallDisk = mounted === null ? describe.skip : describe;

describeOnSmallDisk('a full disk under the embedded event store', () => {
  const mountPoint = mounted!;
  const filler = path.join(mountPoint, 'filler');
  let running: RunningApp;
  let bob: Device;
  const message = (sequence: number): MessageBody => ({
    messageId: `m${sequence}`,
    conversationId: 'c1',
    senderId: 'alice',
    sequence,
    recipientIds: ['bob'],
  });

  beforeAll(async () => {
    running = await startApp(DEV_IDENTITY, fs.mkdtempSync(path.join(mountPoint, 'data-')));
    await registerOk(running.url, message(1));
    bob = await connectDevice(running.url, 'bob', 'phone');
  });

  afterAll(async () => {
    bob?.close();
    await running?.close();
    execFileSync('umount', ['-l', mountPoint]);
    fs.rmSync(mountPoint, { recursive: true, force: true });
  });

  it('answers STORE_UNAVAILABLE, reports the store read-only, and recovers when there is room', async () => {
    fillUp(filler);
    let sequence = 1;
    let refused: Awaited<ReturnType<typeof register>> | null = null;
    // The log's files may have a little room left in pages they already hold: write until none.
    while (refused === null && sequence < 500) {
      const answer = await register(running.url, message(++sequence));
      if (answer.status !== 201) refused = answer;
    }
    expect(refused).toMatchObject({
      status: 503,
      body: { code: 'STORE_UNAVAILABLE', retryable: true },
    });
    expect(await bob.raw('receipt:read', { conversationId: 'c1', upToSequence: 1 })).toEqual({
      ok: false,
      error: { code: 'STORE_UNAVAILABLE', message: anyString, retryable: true },
    });
    // A whole batch is refused, not part of it: after recovery its retry applies every id.
    const registered = Array.from({ length: sequence - 1 }, (_, i) => `m${i + 1}`);
    expect(
      await bob.raw('receipt:delivered', { conversationId: 'c1', messageIds: registered }),
    ).toEqual({
      ok: false,
      error: { code: 'STORE_UNAVAILABLE', message: anyString, retryable: true },
    });
    const ready = await get(running.url, '/health/ready', OPERATOR);
    expect(ready).toMatchObject({
      status: 503,
      body: { status: 'unavailable', eventStore: 'read-only' },
    });

    fs.rmSync(filler);
    await eventually('readiness recovers without any ACK', async () => {
      expect(await get(running.url, '/health/ready', OPERATOR)).toMatchObject({
        status: 200,
        body: { status: 'ok', eventStore: 'up' },
      });
    });
    expect(
      await bob.raw('receipt:delivered', { conversationId: 'c1', messageIds: registered }),
    ).toEqual({
      ok: true,
      applied: registered.length,
      duplicates: 0,
    });
    expect(await bob.client.markRead('c1', 1)).toEqual({ ok: true, applied: 1, duplicates: 0 });
    expect((await register(running.url, message(sequence))).status).toBe(201);
  });
});

/** Writes to `file` until the file system is full. */
const fillUp = (file: string): void => {
  const chunk = Buffer.alloc(64 * 1024, 1);
  const fd = fs.openSync(file, 'w');
  try {
    for (;;) fs.writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    fs.closeSync(fd);
  }
};
