import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { ProblemException } from '../common/problem.js';
import { AppConfig } from '../config/app-config.js';
import type { PruneItem, PruneOptions } from './prune-planner.js';

/** A plan as Berth keeps it until it is executed or expires. */
export interface StoredPlan {
  id: string;
  host: string;
  /** The user who made it: only they may execute it. */
  owner: string;
  options: PruneOptions;
  items: PruneItem[];
  createdAt: number;
  expiresAt: number;
  usedAt?: number;
}

/** Plans one user keeps at once; making another drops their oldest (a plan is a few hundred items, not a resource to hoard). */
export const PLANS_PER_USER = 20;

/**
 * Prune plans, in memory: a plan lives minutes, and a restart voids them (the client plans again).
 * Single-use, its creator's only, and past `BERTH_PRUNE_PLAN_TTL_SECONDS` expired. An expired or
 * used plan is remembered for one more TTL, so that its reuse answers 410/409 rather than 404.
 */
@Injectable()
export class PrunePlans {
  private readonly plans = new Map<string, StoredPlan>();

  constructor(private readonly config: AppConfig) {}

  save(host: string, owner: string, options: PruneOptions, items: PruneItem[], now = Date.now()): StoredPlan {
    this.sweep(now);
    const mine = [...this.plans.values()].filter((plan) => plan.owner === owner);
    for (const old of mine.slice(0, Math.max(0, mine.length - PLANS_PER_USER + 1))) this.plans.delete(old.id);
    const plan: StoredPlan = { id: randomUUID(), host, owner, options, items, createdAt: now, expiresAt: now + this.ttlMs() };
    this.plans.set(plan.id, plan);
    return plan;
  }

  /**
   * Takes the plan for its one execution: someone else's (or another host's) is 404, a used one 409,
   * an expired one 410. `authorize` may refuse it (403) before it is spent.
   */
  claim(id: string, host: string, owner: string, authorize: (plan: StoredPlan) => void, now = Date.now()): StoredPlan {
    this.sweep(now);
    const plan = this.plans.get(id);
    if (!plan || plan.owner !== owner || plan.host !== host)
      throw new ProblemException(404, 'PLAN_NOT_FOUND', `No prune plan '${id}' of yours on host '${host}'.`);
    if (plan.usedAt !== undefined)
      throw new ProblemException(409, 'PLAN_ALREADY_USED', `Prune plan '${id}' was executed already: make a new plan.`);
    if (now >= plan.expiresAt)
      throw new ProblemException(
        410,
        'PLAN_EXPIRED',
        `Prune plan '${id}' expired at ${new Date(plan.expiresAt).toISOString()}: make a new plan.`,
      );
    authorize(plan);
    plan.usedAt = now;
    return plan;
  }

  private ttlMs(): number {
    return this.config.prunePlanTtlSeconds * 1000;
  }

  private sweep(now: number): void {
    for (const [id, plan] of this.plans) if (now >= plan.expiresAt + this.ttlMs()) this.plans.delete(id);
  }
}
