import { ConnectionLimit } from './connection-limit';

/** What `act` throws (the test fails when it throws nothing). */
const thrown = (act: () => unknown): unknown => {
  try {
    act();
  } catch (error) {
    return error;
  }
  throw new Error('expected a refusal');
};

describe('open sockets', () => {
  const phone = { userId: 'bob', deviceId: 'phone' };

  it('refuses a device over its limit, and takes it again once one closes', () => {
    const limit = new ConnectionLimit(10, 2);
    const first = limit.acquire(phone);
    limit.acquire(phone);
    expect(thrown(() => limit.acquire(phone))).toMatchObject({
      code: 'TOO_MANY_CONNECTIONS',
      retryable: false,
      details: { scope: 'device', limit: 2 },
    });
    first();
    first();
    limit.acquire(phone);
  });

  it("counts all of a user's devices against the user's limit", () => {
    const limit = new ConnectionLimit(3, 2);
    limit.acquire(phone);
    limit.acquire({ ...phone, deviceId: 'laptop' });
    const tablet = limit.acquire({ ...phone, deviceId: 'tablet' });
    expect(thrown(() => limit.acquire({ ...phone, deviceId: 'watch' }))).toMatchObject({
      details: { scope: 'user', limit: 3 },
    });
    limit.acquire({ userId: 'carol', deviceId: 'phone' });
    tablet();
    limit.acquire({ ...phone, deviceId: 'watch' });
  });
});
