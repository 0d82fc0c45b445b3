import { disconnectAtExpiry } from './socket-expiry';

/** A socket that records disconnects and lets the test fire its own 'disconnect'. */
const fakeSocket = () => {
  const listeners: Array<() => void> = [];
  const socket = {
    disconnects: 0,
    disconnect: () => {
      socket.disconnects += 1;
      return socket;
    },
    once: (_: string, listener: () => void) => {
      listeners.push(listener);
      return socket;
    },
    closeByClient: () => listeners.forEach((listener) => listener()),
  };
  return socket;
};

const DAY_MS = 86_400_000;

describe('disconnectAtExpiry', () => {
  beforeEach(() => jest.useFakeTimers({ now: new Date('2026-01-01T10:00:00Z') }));
  afterEach(() => jest.useRealTimers());

  it('disconnects the socket when its credential expires, not before', () => {
    const socket = fakeSocket();
    disconnectAtExpiry(socket as never, new Date(Date.now() + 60_000));
    jest.advanceTimersByTime(59_999);
    expect(socket.disconnects).toBe(0);
    jest.advanceTimersByTime(1);
    expect(socket.disconnects).toBe(1);
  });

  it('disconnects at once a socket whose credential has already expired', () => {
    const socket = fakeSocket();
    disconnectAtExpiry(socket as never, new Date(Date.now() - 1));
    expect(socket.disconnects).toBe(1);
  });

  it('clears its timer when the socket disconnects first', () => {
    const socket = fakeSocket();
    disconnectAtExpiry(socket as never, new Date(Date.now() + 60_000));
    socket.closeByClient();
    expect(jest.getTimerCount()).toBe(0);
    jest.advanceTimersByTime(120_000);
    expect(socket.disconnects).toBe(0);
  });

  it('waits out expiries longer than the longest timeout (about 24.8 days) in steps', () => {
    const socket = fakeSocket();
    disconnectAtExpiry(socket as never, new Date(Date.now() + 30 * DAY_MS));
    jest.advanceTimersByTime(25 * DAY_MS);
    expect(socket.disconnects).toBe(0);
    jest.advanceTimersByTime(5 * DAY_MS);
    expect(socket.disconnects).toBe(1);
  });
});
