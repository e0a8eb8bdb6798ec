import { afterEach, describe, expect, it } from 'vitest';
import { RateLimitBuckets } from './rate-limit-buckets.js';

const WINDOW = 10_000;

describe('RateLimitBuckets', () => {
  let clock = 0;
  let buckets: RateLimitBuckets;
  const setup = (maxBuckets = 100) => {
    clock = 1_000_000;
    buckets = new RateLimitBuckets(maxBuckets, () => clock);
    return buckets;
  };
  afterEach(() => buckets?.onModuleDestroy());

  it('counts hits in a window; the hit past the limit blocks the key for one window, and blocked hits count nothing', () => {
    setup();
    const counts = Array.from({ length: 3 }, () => buckets.hit('k', 3, WINDOW).count);
    expect(counts).toEqual([1, 2, 3]);
    expect(buckets.peek('k')).toEqual({ count: 3, resetSeconds: 10 });
    expect(buckets.hit('k', 3, WINDOW)).toEqual({ count: 4, resetSeconds: 10, retryAfterSeconds: 10 });
    clock += 4000;
    expect(buckets.hit('k', 3, WINDOW)).toMatchObject({ count: 4, retryAfterSeconds: 6 });
    clock += 6000;
    expect(buckets.peek('k')).toEqual({ count: 0, resetSeconds: 0 });
    expect(buckets.hit('k', 3, WINDOW)).toEqual({ count: 1, resetSeconds: 10 });
  });

  it('starts a new window once the last one is over', () => {
    setup();
    buckets.hit('k', 3, WINDOW);
    buckets.hit('k', 3, WINDOW);
    clock += WINDOW;
    expect(buckets.hit('k', 3, WINDOW).count).toBe(1);
  });

  it('takes back a hit on refund and forgets a key on reset, but a block stands', () => {
    setup();
    buckets.hit('k', 3, WINDOW);
    buckets.hit('k', 3, WINDOW);
    buckets.refund('k');
    expect(buckets.peek('k').count).toBe(1);
    buckets.reset('k');
    expect(buckets.peek('k').count).toBe(0);
    buckets.refund('never-seen');
    expect(buckets.peek('never-seen').count).toBe(0);
    for (let i = 0; i < 4; i++) buckets.hit('k', 3, WINDOW);
    buckets.refund('k');
    expect(buckets.peek('k').retryAfterSeconds).toBe(10);
  });

  it('keeps keys apart, whatever their length, and holds at most its bound of buckets (least recently used go)', () => {
    setup(3);
    const huge = 'x'.repeat(95_000);
    buckets.hit(huge, 5, WINDOW);
    buckets.hit(`${huge}y`, 5, WINDOW);
    buckets.hit(huge, 5, WINDOW);
    expect(buckets.peek(huge).count).toBe(2);
    expect(buckets.peek(`${huge}y`).count).toBe(1);
    buckets.hit('a', 5, WINDOW);
    buckets.hit('b', 5, WINDOW); // evicts `${huge}y`, the least recently hit
    expect(buckets.size).toBe(3);
    expect(buckets.peek(`${huge}y`).count).toBe(0);
    expect(buckets.peek(huge).count).toBe(2);
    for (let i = 0; i < 1000; i++) buckets.hit(`flood-${i}`, 5, WINDOW);
    expect(buckets.size).toBe(3);
  });

  it('evicts a blocked key last: a flood of fresh keys does not push a block out (a blocked key is only peeked, so it ages)', () => {
    setup(100);
    for (let i = 0; i < 4; i++) buckets.hit('login:user:victim', 3, WINDOW);
    expect(buckets.peek('login:user:victim').retryAfterSeconds).toBe(10);
    for (let i = 0; i < 10_000; i++) buckets.hit(`login:user:random-${i}`, 3, WINDOW);
    expect(buckets.size).toBe(100);
    expect(buckets.peek('login:user:victim').retryAfterSeconds).toBe(10);
    // Once its block is over, it is a bucket like any other.
    clock += WINDOW;
    for (let i = 0; i < 200; i++) buckets.hit(`later-${i}`, 3, WINDOW);
    expect(buckets.peek('login:user:victim')).toEqual({ count: 0, resetSeconds: 0 });
  });

  it.each([20, 3])('still holds its bound (%i) when every bucket is blocked: a blocked one goes then, never the newest', (bound) => {
    setup(bound);
    for (let i = 0; i < 40; i++) for (let hit = 0; hit < 2; hit++) buckets.hit(`blocked-${i}`, 1, WINDOW);
    expect(buckets.size).toBe(bound);
    expect(buckets.peek('blocked-39').retryAfterSeconds).toBe(10);
  });

  it('sweeps buckets whose window and block are over', () => {
    setup();
    buckets.hit('old', 3, WINDOW);
    for (let i = 0; i < 4; i++) buckets.hit('blocked', 3, WINDOW);
    clock += WINDOW - 1;
    buckets.hit('fresh', 3, WINDOW);
    clock += 1;
    buckets.sweep();
    expect(buckets.size).toBe(1);
  });
});
