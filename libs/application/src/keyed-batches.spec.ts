import { KeyedBatches } from './keyed-batches';

const fulfilled = <T>(value: T): PromiseSettledResult<T> => ({ status: 'fulfilled', value });

describe('KeyedBatches', () => {
  it('hands over what arrives in one turn together, in arrival order, per key', async () => {
    const seen: Array<[string, readonly number[]]> = [];
    const batches = new KeyedBatches<number, number>((key, items) => {
      seen.push([key, items]);
      return Promise.resolve(items.map((item) => fulfilled(item * 10)));
    });
    const answers = await Promise.all([
      batches.add('a', 1),
      batches.add('b', 2),
      batches.add('a', 3),
    ]);
    expect(answers).toEqual([10, 20, 30]);
    expect(seen).toEqual([
      ['a', [1, 3]],
      ['b', [2]],
    ]);
  });

  it('runs one batch of a key at a time; what arrives meanwhile forms the next batch', async () => {
    const seen: Array<readonly string[]> = [];
    let release = (): void => undefined;
    const batches = new KeyedBatches<string, string>(async (_key, items) => {
      seen.push(items);
      if (seen.length === 1) await new Promise<void>((resolve) => (release = resolve));
      return items.map(fulfilled);
    });
    const first = batches.add('a', 'x');
    await new Promise((resolve) => setImmediate(resolve));
    const later = [batches.add('a', 'y'), batches.add('a', 'z')];
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual([['x']]);
    release();
    expect(await Promise.all([first, ...later])).toEqual(['x', 'y', 'z']);
    expect(seen).toEqual([['x'], ['y', 'z']]);
  });

  it('settles each item on its own, and rejects the whole batch when the runner throws', async () => {
    const batches = new KeyedBatches<number, number>((_key, items) =>
      items.includes(0)
        ? Promise.reject(new Error('runner failed'))
        : Promise.resolve(
            items.map((item): PromiseSettledResult<number> =>
              item < 0 ? { status: 'rejected', reason: new Error('negative') } : fulfilled(item),
            ),
          ),
    );
    const mixed = await Promise.allSettled([batches.add('a', 1), batches.add('a', -1)]);
    expect(mixed.map((result) => result.status)).toEqual(['fulfilled', 'rejected']);
    const failed = await Promise.allSettled([batches.add('a', 0), batches.add('a', 2)]);
    expect(failed.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    expect(await batches.add('a', 3)).toBe(3);
  });
});
