import { Injectable, Logger, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { performance } from 'node:perf_hooks';
import { clientAddress } from '../common/client-address.js';
import { AuditLog } from './audit-log.js';
import { type AuditContext, auditText, isMutating } from './audit-context.js';

/**
 * Records every mutating request once its answer is out, whatever decided it: the guard
 * (401, 403, 429), validation, the handler. A middleware, not an interceptor, because
 * interceptors never see what the guards turned away. Logins are POSTs, so they are in.
 */
@Injectable()
export class AuditMiddleware implements NestMiddleware {
  private readonly logger = new Logger('Audit');

  constructor(private readonly audit: AuditLog) {}

  use(request: Request, response: Response, next: NextFunction): void {
    if (!isMutating(request.method)) return next();
    const started = performance.now();
    response.once('close', () => {
      // Express sets the matched route pattern; a path that matches no route did nothing.
      const route = (request.route as { path?: string } | undefined)?.path;
      if (!route) return;
      // A client that hung up before the answer: nginx's 499.
      const status = response.writableFinished ? response.statusCode : 499;
      if (!request.principal && !attemptsCredentials(route, status, request.audit)) return;
      const params = Object.values((request.params ?? {}) as Record<string, string>).filter((v) => typeof v === 'string');
      this.audit
        .record({
          action: `${request.method} ${route}`,
          actor: request.principal,
          // Path parameters are the caller's text, of any length: bounded as an attempted username is.
          targets: [...params.map(auditText), ...(request.audit?.targets ?? [])],
          status,
          remoteAddress: clientAddress(request),
          durationMs: performance.now() - started,
          details: request.audit?.details,
        })
        .catch((error: unknown) => this.logger.error({ err: error, action: `${request.method} ${route}` }, 'audit record failed'));
    });
    next();
  }
}

/**
 * Of the requests no one was authenticated for, those the audit keeps: attempts at credentials on the auth routes
 * (a login or refresh refused with 401, counted per address by the rate limit; one the client hung up on, 499, counted
 * too; one that failed, 5xx; a logout that ended a login). Anything else is anyone's to send as fast as they like and
 * changed nothing (a 401 elsewhere, a 429, a malformed body's 400 and other 4xx, a logout with an unknown token):
 * recording each would let anyone fill the disk.
 */
function attemptsCredentials(route: string, status: number, audit: AuditContext | undefined): boolean {
  if (!route.startsWith('/api/v1/auth/')) return false;
  if (status === 401 || status === 499) return true;
  return !(status >= 400 && status < 500) && audit?.changedNothing !== true;
}
