import { AckQueue } from './ack-queue';

describe('the ACK queue', () => {
  it('puts a conversation delivered items before its read, so a read never waits for them', () => {
    const queue = new AckQueue(500);
    queue.read('c1', 3, () => undefined);
    queue.delivered('c1', ['m3'], () => undefined);
    expect(queue.take().map((q) => q.item.type)).toEqual(['delivered', 'read']);
  });

  it('counts its items as they will be sent, and is empty after take', () => {
    const queue = new AckQueue(2);
    queue.delivered('c1', ['a', 'b', 'c'], () => undefined);
    queue.read('c1', 1, () => undefined);
    queue.read('c1', 2, () => undefined);
    expect(queue.size).toBe(3);
    expect(queue.take()).toHaveLength(3);
    expect(queue.size).toBe(0);
  });
});
