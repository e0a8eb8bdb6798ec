import { describe, expect, it } from 'vitest';
import { ProblemException } from '../common/problem.js';
import { engineUnavailable } from './engine-errors.js';
import { HealthFacts, HostHealth } from './host-health.js';

/** A health whose checks are answered by hand, on a clock moved by hand. */
function harness(shortCircuit = true) {
  let clock = Date.parse('2026-11-26T14:00:00.000Z');
  const answers: Array<() => Promise<HealthFacts>> = [];
  let checks = 0;
  const health = new HostHealth(
    'staging',
    () => {
      checks++;
      return (answers.shift() ?? (() => Promise.resolve({ engineVersion: '20.10.24', apiVersion: '1.41' })))();
    },
    { shortCircuit, now: () => clock },
  );
  return {
    health,
    down: () => answers.push(() => Promise.reject(engineUnavailable('staging', 'cannot connect (ECONNREFUSED)'))),
    tick: (ms: number) => (clock += ms),
    checks: () => checks,
  };
}

describe('HostHealth', () => {
  it('is unknown until checked, then up with the versions, and stays up since the first check', async () => {
    const { health, tick } = harness();
    expect(health.status().state).toBe('unknown');
    expect(await health.checkNow()).toMatchObject({ state: 'up', engineVersion: '20.10.24', apiVersion: '1.41' });
    const since = health.status().since;
    tick(5000);
    await health.checkNow();
    expect(health.status()).toMatchObject({ state: 'up', since, checkedAt: '2026-11-26T14:00:05.000Z' });
  });

  it('says why it is down and keeps the versions last seen', async () => {
    const { health, down } = harness();
    await health.checkNow();
    down();
    expect(await health.checkNow()).toMatchObject({ state: 'down', reason: expect.stringMatching(/ECONNREFUSED/), apiVersion: '1.41' });
  });

  it('checks every 5 s while up and backs off to 60 s while down', async () => {
    const { health, down } = harness();
    await health.checkNow();
    expect(health.nextDelayMs()).toBe(5000);
    const delays = [];
    for (let i = 0; i < 6; i++) {
      down();
      await health.checkNow();
      delays.push(health.nextDelayMs());
    }
    expect(delays).toEqual([5000, 10000, 20000, 40000, 60000, 60000]);
    await health.checkNow();
    expect(health.nextDelayMs()).toBe(5000);
  });

  it('shares one check among concurrent callers', async () => {
    const { health, checks } = harness();
    await Promise.all([health.checkNow(), health.checkNow(), health.settled()]);
    expect(checks()).toBe(1);
  });

  it('refuses calls at once while down, asking for a new check only when the last is stale', async () => {
    const { health, down, tick, checks } = harness();
    down();
    await health.checkNow();
    const refused = (() => {
      try {
        health.admit();
      } catch (error) {
        return error as ProblemException;
      }
    })();
    expect([refused?.getStatus(), refused?.code]).toEqual([503, 'ENGINE_UNAVAILABLE']);
    expect(refused?.problem.headers).toEqual({ 'Retry-After': '5' });
    expect(checks()).toBe(1);
    tick(1000);
    expect(() => health.admit()).toThrow(ProblemException);
    expect(await health.settled()).toMatchObject({ state: 'up' });
    expect(checks()).toBe(2);
    expect(() => health.admit()).not.toThrow();
  });

  it.each([
    [
      'a host key mismatch',
      new ProblemException(503, 'ENGINE_HOST_KEY_MISMATCH', 'not the pinned key'),
      'ENGINE_HOST_KEY_MISMATCH',
      undefined,
    ],
    ['a refused ssh key', new ProblemException(503, 'ENGINE_SSH_AUTH_FAILED', 'key refused'), 'ENGINE_SSH_AUTH_FAILED', undefined],
    ['an unreachable engine', engineUnavailable('staging', 'cannot connect (ECONNREFUSED)'), 'ENGINE_UNAVAILABLE', { 'Retry-After': '5' }],
    ['an answer that is not a 503', new ProblemException(502, 'ENGINE_ERROR', 'odd'), 'ENGINE_UNAVAILABLE', { 'Retry-After': '5' }],
  ])('refuses a host known down for %s with that problem, and its Retry-After or none', async (_, failure, code, headers) => {
    const health = new HostHealth('staging', () => Promise.reject(failure), { shortCircuit: true });
    await health.checkNow();
    let refused: ProblemException | undefined;
    try {
      health.admit();
    } catch (error) {
      refused = error as ProblemException;
    }
    expect([refused?.getStatus(), refused?.code, refused?.problem.headers]).toEqual([503, code, headers]);
  });

  it('never refuses without the short circuit (local)', async () => {
    const { health, down } = harness(false);
    down();
    await health.checkNow();
    expect(() => health.admit()).not.toThrow();
  });

  it.each([
    ['a failed call while up', 'up', false, 2],
    ['a successful call while down', 'down', true, 2],
    ['a failed call while down', 'down', false, 1],
    ['a successful call while up', 'up', true, 1],
  ] as const)('%s: checks again only when the outcome contradicts the status', async (_, state, ok, expected) => {
    const { health, down, checks } = harness(false);
    if (state === 'down') down();
    health.start();
    await health.settled();
    health.observe(ok);
    await health.settled();
    expect(checks()).toBe(expected);
    health.stop();
  });

  it('never checks an engine whose loop was not started (a test engine, an unmanaged one)', async () => {
    const { health, checks } = harness();
    health.observe(true);
    await health.settled();
    expect([checks(), health.status().state]).toEqual([0, 'unknown']);
  });

  it('stops its loop', () => {
    const { health } = harness();
    health.start();
    health.stop();
    expect(health.status().state).toBe('unknown');
  });
});
