import { CallHandler, ExecutionContext, HttpException, Injectable, Logger, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { randomUUID } from 'node:crypto';
import { Observable, catchError, from, mergeMap, of } from 'rxjs';
import type { Principal } from '../common/principal.js';
import { PROBLEM_CONTENT_TYPE, ProblemException } from '../common/problem.js';
import {
  IDEMPOTENCY_TTL_MS,
  isStoredStatus,
  judgeRetry,
  keyInFlight,
  keyNeedsJson,
  keyReused,
  parseIdempotencyKey,
  requestHash,
} from './idempotency-key.js';
import { IDEMPOTENT } from './idempotent.decorator.js';
import { IdempotencyKeyRow, IdempotencyRepository, KeyScope, StoredAnswer } from './idempotency.repository.js';

/** The answer headers a replay repeats (besides the status and the body). */
const KEPT_HEADERS = ['location'];
const PURGE_EVERY_MS = 60_000;

/**
 * `Idempotency-Key` on the routes marked `@Idempotent()`: the first request under a key runs and its
 * answer is stored (2xx and the 4xx isStoredStatus names); a retry by the same credential on the same
 * route within 24 h gets that answer again, a different request under the key 422, a retry while the
 * first still runs 409 (Retry-After: 1). A 5xx frees the key: the retry runs again.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly logger = new Logger('Idempotency');
  /** This process: an in-flight key of another (a crash, a restart) is abandoned, not in flight. */
  private readonly owner = randomUUID();
  private purgedAt = 0;

  constructor(
    private readonly reflector: Reflector,
    private readonly keys: IdempotencyRepository,
  ) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    if (context.getType() !== 'http' || !this.reflector.get<boolean>(IDEMPOTENT, context.getHandler())) return next.handle();
    const request = context.switchToHttp().getRequest<Request>();
    const response = context.switchToHttp().getResponse<Response>();
    const header = request.headers['idempotency-key'];
    if (header === undefined || !request.principal) return next.handle();

    const key = parseIdempotencyKey(header);
    if (hasStreamedBody(request)) throw keyNeedsJson();
    const scope: KeyScope = {
      principalId: credentialOf(request.principal),
      route: `${request.method} ${request.originalUrl.split('?')[0]}`,
      key,
    };
    const hash = requestHash(request.query, request.body);
    await this.purge();

    const first = await this.claimOrFind(scope, hash);
    if (first) return of(replay(first, request, response));
    return next.handle().pipe(
      mergeMap((body) => from(this.settle(scope, response, body).then(() => body))),
      catchError((error: unknown) => from(this.settleFailure(scope, request, error).then(() => Promise.reject(error)))),
    );
  }

  /** Claims the key (undefined: run the request), or answers the stored row to replay; throws 409/422. */
  private async claimOrFind(scope: KeyScope, hash: string): Promise<IdempotencyKeyRow | undefined> {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const now = new Date();
      const claim = {
        requestHash: hash,
        owner: this.owner,
        createdAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + IDEMPOTENCY_TTL_MS).toISOString(),
      };
      if (await this.keys.claim(scope, claim)) return undefined;
      const stored = await this.keys.find(scope);
      if (!stored) continue;
      const verdict = judgeRetry(stored, hash, now, this.owner);
      if (verdict === 'replay') return stored;
      if (verdict === 'reused') throw keyReused();
      if (verdict === 'in-flight') throw keyInFlight();
      await this.keys.release(scope, stored.createdAt);
    }
    throw keyInFlight();
  }

  private async settle(scope: KeyScope, response: Response, body: unknown): Promise<void> {
    if (!isStoredStatus(response.statusCode)) return this.keys.release(scope);
    const headers: Record<string, string> = {};
    for (const name of KEPT_HEADERS) {
      const value = response.getHeader(name);
      if (value !== undefined) headers[name] = String(value);
    }
    await this.keys.complete(scope, { status: response.statusCode, headers, body });
  }

  /** A problem the retry would meet again is stored; anything else (5xx, 429, a crash) frees the key. */
  private async settleFailure(scope: KeyScope, request: Request, error: unknown): Promise<void> {
    try {
      const problem = error instanceof ProblemException ? error : causeOf(error);
      if (problem && isStoredStatus(problem.getStatus()) && problem.getStatus() >= 400) {
        const answer: StoredAnswer = {
          status: problem.getStatus(),
          headers: { 'content-type': PROBLEM_CONTENT_TYPE, ...problem.problem.headers },
          body: problem.toBody(request.originalUrl.split('?')[0]),
        };
        await this.keys.complete(scope, answer);
      } else {
        await this.keys.release(scope);
      }
    } catch (storeError) {
      this.logger.warn({ err: storeError }, 'could not settle an idempotency key');
    }
  }

  private async purge(): Promise<void> {
    if (Date.now() - this.purgedAt < PURGE_EVERY_MS) return;
    this.purgedAt = Date.now();
    await this.keys.purgeExpired(new Date().toISOString());
  }
}

/** The first answer again: status, kept headers, body (a problem gets this request's id). */
function replay(row: IdempotencyKeyRow, request: Request, response: Response): unknown {
  const answer = JSON.parse(row.answer ?? '{}') as { headers?: Record<string, string>; body?: unknown };
  response.status(row.status ?? 200);
  for (const [name, value] of Object.entries(answer.headers ?? {})) response.setHeader(name, value);
  response.setHeader('Idempotency-Replayed', 'true');
  const body = answer.body ?? undefined;
  if (body && typeof body === 'object' && (answer.headers?.['content-type'] ?? '') === PROBLEM_CONTENT_TYPE && request.id) {
    return { ...body, requestId: request.id };
  }
  return body;
}

/**
 * Whose keys these are: a user's sessions, or one of their API keys on its own. A key of lower role must not be
 * answered what its owner's role obtained (an admin's privileged create replayed to an operator key: 201), nor the
 * owner what the key was refused.
 */
function credentialOf(principal: Principal): string {
  return principal.apiKeyId ?? principal.userId;
}

function causeOf(error: unknown): ProblemException | undefined {
  const cause = error instanceof HttpException ? error.cause : undefined;
  return cause instanceof ProblemException ? cause : undefined;
}

/** A body that is not JSON (a tar build context streamed to the engine) cannot be hashed without reading it. */
function hasStreamedBody(request: Request): boolean {
  const hasBody = Number(request.headers['content-length'] ?? 0) > 0 || request.headers['transfer-encoding'] !== undefined;
  return hasBody && !request.is('application/json');
}
