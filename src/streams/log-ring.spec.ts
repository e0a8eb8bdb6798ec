import { describe, expect, it } from 'vitest';
import { LogRing } from './log-ring.js';

describe('LogRing', () => {
  it('keeps the last lines within its line and byte bounds and says when it dropped one', () => {
    const ring = new LogRing<string>(3, 100, (s) => s.length);
    ring.push('a');
    ring.push('b');
    expect([ring.last(), ring.evicted]).toEqual([['a', 'b'], false]);
    ring.push('c');
    ring.push('d');
    expect([ring.last(), ring.last(2), ring.evicted]).toEqual([['b', 'c', 'd'], ['c', 'd'], true]);
    const small = new LogRing<string>(10, 5, (s) => s.length);
    small.push('xxx');
    small.push('yyy');
    expect(small.last()).toEqual(['yyy']);
  });

  it('stays correct across compaction', () => {
    const ring = new LogRing<number>(5, 1e9, () => 1);
    for (let i = 0; i < 5000; i++) ring.push(i);
    expect(ring.last()).toEqual([4995, 4996, 4997, 4998, 4999]);
    expect(ring.length).toBe(5);
  });
});
