/**
 * Nothing on the request or ACK path enters an `AsyncLocalStorage`. Once one is in use, Node 20
 * runs a hook on every promise the process creates (every socket ACK's too), which cost the
 * service about 8% of its CPU per transition when the HTTP logger bound each request's logger
 * that way (docs/BENCHMARKS.md, sixth round).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { type Device, connectDevice, expectOk } from './support/devices';
import { type RunningApp, startApp } from './support/app';
import { asUser, get, registerOk } from './support/http';

jest.setTimeout(20_000);

let running: RunningApp;
let bob: Device | undefined;
const entered: string[] = [];
const spies: jest.SpyInstance[] = [];

beforeAll(async () => {
  for (const method of ['run', 'enterWith'] as const) {
    const original = AsyncLocalStorage.prototype[method] as (...args: unknown[]) => unknown;
    spies.push(
      jest.spyOn(AsyncLocalStorage.prototype, method).mockImplementation(function (
        this: AsyncLocalStorage<unknown>,
        ...args: unknown[]
      ) {
        const stack = new Error().stack ?? '';
        // Jest runs each test and hook in a context of its own: that one is not ours.
        if (!stack.includes('jest-circus')) entered.push(`${method}: ${stack}`);
        return original.apply(this, args);
      } as never),
    );
  }
  running = await startApp();
});

afterAll(async () => {
  bob?.close();
  await running?.close();
  for (const spy of spies) spy.mockRestore();
});

it('serves REST requests and socket ACKs without entering an AsyncLocalStorage', async () => {
  const { url } = running;
  await registerOk(url, {
    messageId: 'm1',
    conversationId: 'no-context',
    senderId: 'alice',
    sequence: 1,
    recipientIds: ['bob'],
  });
  bob = await connectDevice(url, 'bob', 'phone');
  expectOk(await bob.client.markDelivered('no-context', ['m1']), 1);
  expectOk(await bob.client.markRead('no-context', 1), 1);
  const unread = await get(url, '/users/bob/unread', asUser('bob'));
  expect(unread.status).toBe(200);
  expect(entered).toEqual([]);
});
