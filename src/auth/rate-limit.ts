import { CanActivate, ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ThrottlerStorageService } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { AppConfig } from '../config/app-config.js';
import { clientAddress } from '../common/client-address.js';
import { ProblemException } from '../common/problem.js';

const RATE_LIMIT_KEY = 'berth:rate-limit';

/**
 * Guessing territory (login, password change, key creation): limited per client address and
 * per username, whatever the general limit says.
 */
export const LimitGuessing = () => SetMetadata(RATE_LIMIT_KEY, true);

interface Limit {
  key: string;
  limit: number;
  windowMs: number;
}

interface Outcome {
  limit: Limit;
  remaining: number;
  resetSeconds: number;
  retryAfterSeconds?: number;
}

/**
 * Counts requests in sliding windows (the counting is @nestjs/throttler's storage); past a
 * limit the key is blocked for one window. Answers carry the IETF `RateLimit-*` headers.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly config: AppConfig,
    private readonly storage: ThrottlerStorageService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<Request>();
    const limits = this.limitsFor(context, request);
    if (limits.length === 0) return true;
    const outcomes = await Promise.all(limits.map((limit) => this.count(limit)));
    // Report the limit that binds: the longest block, else the fewest requests left.
    const tightest = outcomes.reduce((a, b) => {
      if ((a.retryAfterSeconds ?? 0) !== (b.retryAfterSeconds ?? 0)) return (b.retryAfterSeconds ?? 0) > (a.retryAfterSeconds ?? 0) ? b : a;
      return b.remaining < a.remaining ? b : a;
    });
    const headers = rateLimitHeaders(tightest);
    if (tightest.retryAfterSeconds !== undefined) {
      throw new ProblemException(429, 'RATE_LIMITED', `Too many requests: try again in ${tightest.retryAfterSeconds} s.`, {
        headers: { ...headers, 'Retry-After': String(tightest.retryAfterSeconds) },
      });
    }
    const response = context.switchToHttp().getResponse<Response>();
    for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
    return true;
  }

  private limitsFor(context: ExecutionContext, request: Request): Limit[] {
    const limits: Limit[] = [];
    const { principal } = request;
    if (this.reflector.getAllAndOverride<boolean>(RATE_LIMIT_KEY, [context.getHandler(), context.getClass()])) {
      const operation = context.getHandler().name;
      const windowMs = this.config.authRateWindowMs;
      limits.push({ key: `${operation}:address:${clientAddress(request)}`, limit: this.config.authRateLimitPerAddress, windowMs });
      const body = request.body as { username?: unknown } | undefined;
      const username = principal?.username ?? (typeof body?.username === 'string' ? body.username : undefined);
      if (username !== undefined) limits.push({ key: `${operation}:user:${username}`, limit: this.config.authRateLimit, windowMs });
    }
    if (this.config.rateLimit > 0 && principal) {
      const credential = principal.apiKeyId ? `key:${principal.apiKeyId}` : `user:${principal.userId}`;
      limits.push({ key: `all:${credential}`, limit: this.config.rateLimit, windowMs: this.config.rateLimitWindowMs });
    }
    return limits;
  }

  private async count(limit: Limit): Promise<Outcome> {
    const record = await this.storage.increment(limit.key, limit.windowMs, limit.limit, limit.windowMs, 'berth');
    return {
      limit,
      remaining: Math.max(0, limit.limit - record.totalHits),
      resetSeconds: Math.max(0, record.timeToExpire),
      ...(record.isBlocked && { retryAfterSeconds: Math.max(1, record.timeToBlockExpire) }),
    };
  }
}

function rateLimitHeaders({ limit, remaining, resetSeconds, retryAfterSeconds }: Outcome): Record<string, string> {
  return {
    'RateLimit-Policy': `${limit.limit};w=${Math.ceil(limit.windowMs / 1000)}`,
    'RateLimit-Limit': String(limit.limit),
    'RateLimit-Remaining': String(retryAfterSeconds === undefined ? remaining : 0),
    'RateLimit-Reset': String(retryAfterSeconds ?? resetSeconds),
  };
}
