import { afterEach, describe, expect, it, vi } from 'vitest';
import { ProblemException } from '../common/problem.js';
import type { EngineCalls } from './engine-calls.js';
import { diskUsage } from './engine-system.js';

const busy = () => new ProblemException(502, 'ENGINE_ERROR', 'a disk usage operation is already running');

/** EngineCalls whose `/system/df` answers from `answers` in turn. */
function callsAnswering(answers: Array<Error | object>): { calls: EngineCalls; count: () => number } {
  let n = 0;
  const calls = {
    timeoutMs: 1000,
    call: () => {
      const answer = answers[Math.min(n++, answers.length - 1)];
      return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
    },
  } as unknown as EngineCalls;
  return { calls, count: () => n };
}

describe('diskUsage', () => {
  afterEach(() => vi.useRealTimers());

  it("waits while another client's /system/df runs (the engine runs one at a time), then answers", async () => {
    vi.useFakeTimers();
    const { calls, count } = callsAnswering([busy(), busy(), { LayersSize: 42 }]);
    const answer = diskUsage(calls);
    await vi.runAllTimersAsync();
    await expect(answer).resolves.toEqual({ LayersSize: 42 });
    expect(count()).toBe(3);
  });

  it('gives up after its retries and passes the refusal on', async () => {
    vi.useFakeTimers();
    const { calls, count } = callsAnswering([busy()]);
    const answer = diskUsage(calls, 2);
    const settled = expect(answer).rejects.toThrow('already running');
    await vi.runAllTimersAsync();
    await settled;
    expect(count()).toBe(3);
  });

  it('passes any other error on at once', async () => {
    const { calls, count } = callsAnswering([new ProblemException(503, 'ENGINE_UNAVAILABLE', 'cannot connect')]);
    await expect(diskUsage(calls)).rejects.toThrow('cannot connect');
    expect(count()).toBe(1);
  });
});
