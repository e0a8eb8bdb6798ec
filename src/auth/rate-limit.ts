import { CanActivate, ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { AppConfig } from '../config/app-config.js';
import { PASSWORD_MAX_LENGTH, USERNAME_MAX_LENGTH } from '../users/user-limits.js';
import { auditContext, auditText } from '../audit/audit-context.js';
import { clientAddress, rateLimitAddress } from '../common/client-address.js';
import { FieldError, ProblemException } from '../common/problem.js';
import { validationFailed } from '../common/validation.js';
import { BucketState, RateLimitBuckets } from './rate-limit-buckets.js';

const RATE_LIMIT_KEY = 'berth:rate-limit';

type Guessing = 'logins' | 'refreshes' | 'every-request';

/**
 * Guessing territory (password change: the body carries a guess of the current password): every
 * request counts, per client address and per user, whatever the general limit says. Not for
 * routes that guess nothing (key creation): there a success at a normal pace would lock the user out.
 */
export const LimitGuessing = () => SetMetadata(RATE_LIMIT_KEY, 'every-request' satisfies Guessing);

/**
 * Refresh and logout, which carry a refresh token instead of credentials: refused tokens (401) count
 * per client address, as failed logins do; a success takes itself back.
 */
export const LimitRefreshes = () => SetMetadata(RATE_LIMIT_KEY, 'refreshes' satisfies Guessing);

/**
 * Logins: failures (wrong username or password) count, per (username, client address) pair, per
 * address and per username from everywhere (a ceiling well above the pair's). A success resets its
 * pair, so nobody can lock an account out from another address, and takes itself back from the
 * other two counts.
 */
export const LimitLogins = () => SetMetadata(RATE_LIMIT_KEY, 'logins' satisfies Guessing);

interface Limit {
  key: string;
  limit: number;
  windowMs: number;
  /**
   * Set: only wrong credentials (401) count, and a success (< 400) resets or refunds this count;
   * any other answer (a malformed body: 400) is refunded, it guessed nothing. Unset: every request counts.
   */
  onSuccess?: 'reset' | 'refund';
}

interface Outcome {
  limit: Limit;
  state: BucketState;
}

/**
 * Counts requests per window (src/auth/rate-limit-buckets.ts); past a limit the key is
 * blocked for one window. Answers carry the IETF `RateLimit-*` headers.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly config: AppConfig,
    private readonly buckets: RateLimitBuckets,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<Request>();
    const limits = this.limitsFor(context, request);
    if (limits.length === 0) return true;
    // A blocked key refuses the request without counting it elsewhere: an attacker locked out
    // of one pair cannot use up the username's ceiling with refused attempts.
    const blocked = limits
      .map((limit) => ({ limit, state: this.buckets.peek(limit.key) }))
      .filter(({ state }) => state.retryAfterSeconds !== undefined);
    if (blocked.length > 0) throw tooManyRequests(tightest(blocked));
    // Synchronous from peek to hit, so concurrent attempts cannot all slip under a limit.
    const binding = tightest(limits.map((limit) => ({ limit, state: this.buckets.hit(limit.key, limit.limit, limit.windowMs) })));
    if (binding.state.retryAfterSeconds !== undefined) throw tooManyRequests(binding);
    const response = context.switchToHttp().getResponse<Response>();
    for (const [name, value] of Object.entries(rateLimitHeaders(binding))) response.setHeader(name, value);
    const settled = limits.filter((limit) => limit.onSuccess);
    if (settled.length > 0) {
      // A client that hangs up before its answer stays counted: 'finish' never comes.
      response.once('finish', () => {
        if (response.statusCode === 401) return;
        for (const { key, onSuccess } of settled) {
          if (onSuccess === 'reset' && response.statusCode < 400) this.buckets.reset(key);
          else this.buckets.refund(key);
        }
      });
    }
    return true;
  }

  private limitsFor(context: ExecutionContext, request: Request): Limit[] {
    const limits: Limit[] = [];
    const { principal } = request;
    const guessing = this.reflector.getAllAndOverride<Guessing | undefined>(RATE_LIMIT_KEY, [context.getHandler(), context.getClass()]);
    const windowMs = this.config.authRateWindowMs;
    const exact = clientAddress(request);
    // A network's whole /64 is one client for the per-address counts; a (username, address) pair keeps the exact
    // address, so that a neighbour on that network cannot lock someone else's username out from it.
    const address = rateLimitAddress(exact);
    if (guessing === 'logins') {
      limits.push({ key: `login:address:${address}`, limit: this.config.authRateLimitPerAddress, windowMs, onSuccess: 'refund' });
      const username = attemptedUsername(request);
      if (username !== undefined) {
        limits.push(
          { key: `login:user:${username}`, limit: this.config.authRateLimitPerUsername, windowMs, onSuccess: 'refund' },
          { key: `login:pair:${exact}:${username}`, limit: this.config.authRateLimit, windowMs, onSuccess: 'reset' },
        );
      }
    } else if (guessing === 'refreshes') {
      limits.push({ key: `refresh:address:${address}`, limit: this.config.authRateLimitPerAddress, windowMs, onSuccess: 'refund' });
    } else if (guessing === 'every-request') {
      const operation = context.getHandler().name;
      limits.push({ key: `${operation}:address:${address}`, limit: this.config.authRateLimitPerAddress, windowMs });
      if (principal) limits.push({ key: `${operation}:user:${principal.userId}`, limit: this.config.authRateLimit, windowMs });
    }
    if (this.config.rateLimit > 0 && principal) {
      const credential = principal.apiKeyId ? `key:${principal.apiKeyId}` : `user:${principal.userId}`;
      limits.push({ key: `all:${credential}`, limit: this.config.rateLimit, windowMs: this.config.rateLimitWindowMs });
    }
    return limits;
  }
}

/**
 * The username a login names, noted (bounded) for the audit record of every attempt, refused
 * ones too. Guards run before validation pipes, so the lengths are bounded here, before anything
 * hashes or counts them (400 otherwise); a non-string is left to the pipe.
 */
export function attemptedUsername(request: Pick<Request, 'body' | 'audit'>): string | undefined {
  const body: unknown = request.body;
  const { username, password } = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  if (typeof username === 'string') auditContext(request as Request).details.username = auditText(username);
  const errors: FieldError[] = [];
  if (typeof username === 'string' && username.length > USERNAME_MAX_LENGTH) {
    errors.push({ field: 'username', message: `username must be at most ${USERNAME_MAX_LENGTH} characters` });
  }
  if (typeof password === 'string' && password.length > PASSWORD_MAX_LENGTH) {
    errors.push({ field: 'password', message: `password must be at most ${PASSWORD_MAX_LENGTH} characters` });
  }
  if (errors.length > 0) throw validationFailed(errors);
  return typeof username === 'string' ? username : undefined;
}

/** The limit that binds: the longest block, else the fewest requests left. */
function tightest(outcomes: Outcome[]): Outcome {
  return outcomes.reduce((a, b) => {
    const [blockA, blockB] = [a.state.retryAfterSeconds ?? 0, b.state.retryAfterSeconds ?? 0];
    if (blockA !== blockB) return blockB > blockA ? b : a;
    return remaining(b) < remaining(a) ? b : a;
  });
}

function remaining({ limit, state }: Outcome): number {
  return state.retryAfterSeconds === undefined ? Math.max(0, limit.limit - state.count) : 0;
}

function tooManyRequests(outcome: Outcome): ProblemException {
  const retryAfter = outcome.state.retryAfterSeconds ?? 1;
  return new ProblemException(429, 'RATE_LIMITED', `Too many requests: try again in ${retryAfter} s.`, {
    headers: { ...rateLimitHeaders(outcome), 'Retry-After': String(retryAfter) },
  });
}

function rateLimitHeaders(outcome: Outcome): Record<string, string> {
  const { limit, state } = outcome;
  return {
    'RateLimit-Policy': `${limit.limit};w=${Math.ceil(limit.windowMs / 1000)}`,
    'RateLimit-Limit': String(limit.limit),
    'RateLimit-Remaining': String(remaining(outcome)),
    'RateLimit-Reset': String(state.retryAfterSeconds ?? state.resetSeconds),
  };
}
