import { describe, expect, it } from 'vitest';
import { ReadCoalescer } from './read-coalescer.js';

/** A read the test finishes by hand, counting how often it started. */
function manualReads() {
  const pending: Array<{ resolve: (v: number) => void; reject: (e: Error) => void }> = [];
  let started = 0;
  const read = () =>
    new Promise<number>((resolve, reject) => {
      started += 1;
      pending.push({ resolve, reject });
    });
  return { read, pending, started: () => started };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('ReadCoalescer', () => {
  it('runs one read for requests that arrive before it starts... and one more for those that arrive while it runs', async () => {
    const coalescer = new ReadCoalescer<number>();
    const reads = manualReads();
    const first = coalescer.run('k', reads.read);
    await tick();
    expect(reads.started()).toBe(1);

    // These arrive after the first read started: they must not get its (older) answer.
    const late = [coalescer.run('k', reads.read), coalescer.run('k', reads.read), coalescer.run('k', reads.read)];
    await tick();
    expect(reads.started()).toBe(1);

    reads.pending[0].resolve(1);
    expect(await first).toBe(1);
    await tick();
    expect(reads.started()).toBe(2);
    reads.pending[1].resolve(2);
    expect(await Promise.all(late)).toEqual([2, 2, 2]);
    expect(coalescer.size).toBe(0);
  });

  it('keeps keys apart', async () => {
    const coalescer = new ReadCoalescer<number>();
    const reads = manualReads();
    const a = coalescer.run('a', reads.read);
    const b = coalescer.run('b', reads.read);
    await tick();
    expect(reads.started()).toBe(2);
    reads.pending[0].resolve(1);
    reads.pending[1].resolve(2);
    expect([await a, await b]).toEqual([1, 2]);
  });

  it('gives a failure to those who shared the read, and the next ones a fresh try', async () => {
    const coalescer = new ReadCoalescer<number>();
    const reads = manualReads();
    const first = coalescer.run('k', reads.read);
    await tick();
    const second = coalescer.run('k', reads.read);
    const third = coalescer.run('k', reads.read);
    reads.pending[0].reject(new Error('engine down'));
    await expect(first).rejects.toThrow('engine down');
    await tick();
    reads.pending[1].resolve(7);
    expect([await second, await third]).toEqual([7, 7]);
  });
});
