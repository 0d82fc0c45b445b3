import { KeyedSerializer } from './keyed-serializer';

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

describe('KeyedSerializer', () => {
  it('runs tasks with the same key one after another, in order', async () => {
    const serializer = new KeyedSerializer();
    const gate = deferred();
    const order: string[] = [];
    const first = serializer.run('a', async () => {
      await gate.promise;
      order.push('first');
    });
    const second = serializer.run('a', () => {
      order.push('second');
      return Promise.resolve();
    });
    await Promise.resolve();
    expect(order).toEqual([]);
    gate.resolve();
    await Promise.all([first, second]);
    expect(order).toEqual(['first', 'second']);
  });

  it('runs tasks with different keys concurrently', async () => {
    const serializer = new KeyedSerializer();
    const gate = deferred();
    const blocked = serializer.run('a', () => gate.promise);
    await expect(serializer.run('b', () => Promise.resolve('b done'))).resolves.toBe('b done');
    gate.resolve();
    await blocked;
  });

  it('goes on with the next task after one fails, and hands each its own outcome', async () => {
    const serializer = new KeyedSerializer();
    const failing = serializer.run('a', () => Promise.reject(new Error('boom')));
    const next = serializer.run('a', () => Promise.resolve(42));
    await expect(failing).rejects.toThrow('boom');
    await expect(next).resolves.toBe(42);
  });
});
