import type { ReceiptUpdate } from '@receipts/contracts';
import { FeedOrder } from './feed-order';

const at = (position: number): ReceiptUpdate => ({ type: 'position', position });
const positions = (updates: readonly ReceiptUpdate[]) => updates.map((u) => u.position);

describe('the feed order', () => {
  it('hands out pushes that follow on, holds those beyond a gap, and drops what it applied', () => {
    const order = new FeedOrder(3);
    expect(positions(order.pushed([at(4), at(6)]))).toEqual([4]);
    expect(order.gap).toBe(true);
    expect(positions(order.pushed([at(4), at(5)]))).toEqual([5, 6]);
    expect(order.gap).toBe(false);
    expect(order.position).toBe(6);
  });

  it('holds every push during a catch-up, then releases those the pages did not bring', () => {
    const order = new FeedOrder(0);
    order.hold();
    expect(order.pushed([at(2), at(4)])).toEqual([]);
    expect(order.gap).toBe(false);
    expect(positions(order.page([at(1), at(2), at(3)]))).toEqual([1, 2, 3]);
    expect(positions(order.release())).toEqual([4]);
    expect(order.position).toBe(4);
  });

  it('skips page entries at or below its position, and starts over at a resync head', () => {
    const order = new FeedOrder(5);
    expect(positions(order.page([at(4), at(5), at(6)]))).toEqual([6]);
    order.hold();
    order.pushed([at(8), at(20)]);
    order.startAt(10);
    expect(positions(order.release())).toEqual([]);
    expect(order.gap).toBe(true);
    expect(order.position).toBe(10);
  });

  it('knows no position before a fresh device learns the head, and holds pushes until then', () => {
    const order = new FeedOrder(null);
    expect(order.pushed([at(7)])).toEqual([]);
    order.hold();
    order.startAt(6);
    expect(positions(order.release())).toEqual([7]);
  });
});
