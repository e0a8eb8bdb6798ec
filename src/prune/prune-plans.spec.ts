import { describe, expect, it } from 'vitest';
import { AppConfig } from '../config/app-config.js';
import { ProblemException } from '../common/problem.js';
import { DEFAULT_PRUNE_OPTIONS } from './prune-planner.js';
import { PLANS_PER_USER, PrunePlans } from './prune-plans.js';

const T0 = 1_000_000;
const plans = () => new PrunePlans(new AppConfig({ prunePlanTtlSeconds: 60 }));
const ok = () => undefined;

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return (error as ProblemException).code;
  }
}

describe('PrunePlans', () => {
  it('a plan is claimed once, by its owner, on its host, before it expires', () => {
    const store = plans();
    const plan = store.save('local', 'u1', DEFAULT_PRUNE_OPTIONS, [], T0);
    expect(plan.expiresAt).toBe(T0 + 60_000);
    expect(codeOf(() => store.claim(plan.id, 'local', 'u2', ok, T0))).toBe('PLAN_NOT_FOUND');
    expect(codeOf(() => store.claim(plan.id, 'other', 'u1', ok, T0))).toBe('PLAN_NOT_FOUND');
    expect(store.claim(plan.id, 'local', 'u1', ok, T0 + 1).id).toBe(plan.id);
    expect(codeOf(() => store.claim(plan.id, 'local', 'u1', ok, T0 + 2))).toBe('PLAN_ALREADY_USED');
  });

  it.each<[string, number, string | undefined]>([
    ['just before the TTL', 59_999, undefined],
    ['at the TTL', 60_000, 'PLAN_EXPIRED'],
    ['one TTL later still says expired', 119_999, 'PLAN_EXPIRED'],
    ['forgotten after two TTLs', 120_000, 'PLAN_NOT_FOUND'],
  ])('%s', (_name, after, code) => {
    const store = plans();
    const plan = store.save('local', 'u1', DEFAULT_PRUNE_OPTIONS, [], T0);
    expect(codeOf(() => store.claim(plan.id, 'local', 'u1', ok, T0 + after))).toBe(code);
  });

  it('a refused claim does not spend the plan', () => {
    const store = plans();
    const plan = store.save('local', 'u1', DEFAULT_PRUNE_OPTIONS, [], T0);
    const refuse = () => {
      throw new ProblemException(403, 'FORBIDDEN', 'no');
    };
    expect(codeOf(() => store.claim(plan.id, 'local', 'u1', refuse, T0))).toBe('FORBIDDEN');
    expect(store.claim(plan.id, 'local', 'u1', ok, T0).id).toBe(plan.id);
  });

  it(`keeps at most ${PLANS_PER_USER} plans per user, dropping the oldest`, () => {
    const store = plans();
    const first = store.save('local', 'u1', DEFAULT_PRUNE_OPTIONS, [], T0);
    for (let i = 0; i < PLANS_PER_USER; i++) store.save('local', 'u1', DEFAULT_PRUNE_OPTIONS, [], T0);
    const other = store.save('local', 'u2', DEFAULT_PRUNE_OPTIONS, [], T0);
    expect(codeOf(() => store.claim(first.id, 'local', 'u1', ok, T0))).toBe('PLAN_NOT_FOUND');
    expect(store.claim(other.id, 'local', 'u2', ok, T0).id).toBe(other.id);
  });
});
