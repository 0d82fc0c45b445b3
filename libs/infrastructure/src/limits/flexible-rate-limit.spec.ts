import { memoryRateLimit } from './flexible-rate-limit';
import { FrameLimit } from './frame-limit';
import { CallerRateLimit, ConcurrencyLimit, callerOf } from './caller-limit';

/** What `act` throws (the test fails when it throws nothing). */
const thrown = (act: () => unknown): unknown => {
  try {
    act();
  } catch (error) {
    return error;
  }
  throw new Error('expected a refusal');
};

/** A fake clock: rate-limiter-flexible reads Date.now and expires keys with timers. */
beforeEach(() => jest.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') }));
afterEach(() => jest.useRealTimers());

const takeN = async (limit: ReturnType<typeof memoryRateLimit>, key: string, n: number) => {
  const decisions = [];
  for (let i = 0; i < n; i++) decisions.push(await limit.take(key));
  return decisions;
};

describe('a rate limit in process', () => {
  const settings = { name: 't', perSecond: 2, windowSeconds: 5 };

  it('admits rate times window per key, then refuses until the window ends', async () => {
    const limit = memoryRateLimit(settings);
    const decisions = await takeN(limit, 'a', 11);
    expect(decisions.filter((d) => d.admitted)).toHaveLength(10);
    expect(decisions[10]).toEqual({ admitted: false, retryAfterMs: 5000 });
    jest.advanceTimersByTime(3000);
    expect(await limit.take('a')).toEqual({ admitted: false, retryAfterMs: 2000 });
    expect(await limit.take('b')).toEqual({ admitted: true });
    jest.advanceTimersByTime(2001);
    expect(await limit.take('a')).toEqual({ admitted: true });
  });

  it('admits everything at 0 per second', async () => {
    const decisions = await takeN(memoryRateLimit({ ...settings, perSecond: 0 }), 'a', 1000);
    expect(decisions.every((d) => d.admitted)).toBe(true);
  });
});

describe('ACK frames', () => {
  const frames = () =>
    new FrameLimit(
      memoryRateLimit({ name: 'device', perSecond: 2, windowSeconds: 1 }),
      memoryRateLimit({ name: 'user', perSecond: 3, windowSeconds: 1 }),
    );
  const phone = { userId: 'bob', deviceId: 'phone' };
  const laptop = { userId: 'bob', deviceId: 'laptop' };

  it('refuses a device over its budget with RATE_LIMITED and the wait', async () => {
    const limit = frames();
    await limit.admit(phone);
    await limit.admit(phone);
    await expect(limit.admit(phone)).rejects.toMatchObject({
      code: 'RATE_LIMITED',
      retryable: true,
      details: { scope: 'device', retryAfterMs: 1000 },
    });
  });

  it("shares one budget between a user's devices", async () => {
    const limit = frames();
    await limit.admit(phone);
    await limit.admit(phone);
    await limit.admit(laptop);
    await expect(limit.admit(laptop)).rejects.toMatchObject({ details: { scope: 'user' } });
    await limit.admit({ userId: 'carol', deviceId: 'phone' });
    jest.advanceTimersByTime(1000);
    await limit.admit(laptop);
  });
});

describe('REST callers', () => {
  it('counts users, services and addresses apart, each with its own budget', async () => {
    const rate = (perSecond: number) => memoryRateLimit({ name: 'r', perSecond, windowSeconds: 1 });
    const limit = new CallerRateLimit({ user: rate(1), service: rate(3), anonymous: rate(1) });
    const bob = callerOf({ kind: 'user', userId: 'bob', deviceId: null }, '10.0.0.1');
    const chat = callerOf({ kind: 'service', name: 'chat' }, '10.0.0.1');
    const stranger = callerOf(null, '10.0.0.1');
    expect([bob.key, chat.key, stranger.key]).toEqual(['user:bob', 'service:chat', 'ip:10.0.0.1']);
    await limit.admit(bob);
    await expect(limit.admit(bob)).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    for (let i = 0; i < 3; i++) await limit.admit(chat);
    await limit.admit(stranger);
    await expect(limit.admit(stranger)).rejects.toMatchObject({ code: 'RATE_LIMITED' });
  });

  it('bounds the requests of one caller in progress, freeing a place when one ends', () => {
    const limit = new ConcurrencyLimit({ user: 2, service: 5, anonymous: 1 });
    const bob = callerOf({ kind: 'user', userId: 'bob', deviceId: null }, '::1');
    const first = limit.enter(bob);
    limit.enter(bob);
    expect(thrown(() => limit.enter(bob))).toMatchObject({
      code: 'RATE_LIMITED',
      details: { scope: 'concurrent', limit: 2 },
    });
    first();
    first(); // a second release of the same request frees nothing more
    limit.enter(bob);
    expect(() => limit.enter(bob)).toThrow();
  });
});
