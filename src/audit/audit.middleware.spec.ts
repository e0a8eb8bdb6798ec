import { EventEmitter } from 'node:events';
import type { Request, Response } from 'express';
import { describe, expect, it, vi } from 'vitest';
import type { Principal } from '../common/principal.js';
import { AUDIT_TEXT_MAX_LENGTH } from './audit-context.js';
import type { AuditLog, AuditRecord } from './audit-log.js';
import { AuditMiddleware } from './audit.middleware.js';

const operator: Principal = { kind: 'user', userId: 'u1', username: 'olga', role: 'operator' };

/** Runs one request through the middleware, as Express would, and answers what was recorded. */
function audited(options: {
  method?: string;
  route: string;
  status: number;
  principal?: Principal;
  params?: Record<string, string>;
  changedNothing?: boolean;
}) {
  const recorded: AuditRecord[] = [];
  const log = { record: vi.fn(async (record: AuditRecord) => void recorded.push(record)) } as unknown as AuditLog;
  const response = Object.assign(new EventEmitter(), { statusCode: options.status, writableFinished: true });
  const request = {
    method: options.method ?? 'POST',
    headers: {},
    socket: { remoteAddress: '10.0.0.9' },
    params: options.params ?? {},
    principal: options.principal,
  } as unknown as Request;
  new AuditMiddleware(log).use(request, response as unknown as Response, () => {
    // Express matches the route while the request is handled, and the handler may say it changed nothing.
    request.route = { path: options.route };
    if (options.changedNothing) request.audit = { targets: [], details: {}, changedNothing: true };
  });
  response.emit('close');
  return recorded;
}

describe('AuditMiddleware', () => {
  it('records what an authenticated caller sent, whatever the answer', () => {
    for (const status of [201, 400, 403, 429]) {
      expect(audited({ route: '/api/v1/hosts/:host/containers', status, principal: operator })).toMatchObject([
        { action: 'POST /api/v1/hosts/:host/containers', status, actor: operator },
      ]);
    }
  });

  it('records attempts at credentials on the auth routes (a failed login, a refused refresh) short of a 429', () => {
    expect(audited({ route: '/api/v1/auth/login', status: 401 })).toMatchObject([{ action: 'POST /api/v1/auth/login', status: 401 }]);
    expect(audited({ route: '/api/v1/auth/login', status: 200 })).toHaveLength(1);
    expect(audited({ route: '/api/v1/auth/refresh', status: 401 })).toHaveLength(1);
    expect(audited({ route: '/api/v1/auth/login', status: 429 })).toEqual([]);
  });

  it('records an unauthenticated logout that ended a login, not one that changed nothing, nor a malformed body on an auth route', () => {
    expect(audited({ route: '/api/v1/auth/logout', status: 204 })).toMatchObject([{ action: 'POST /api/v1/auth/logout', status: 204 }]);
    expect(audited({ route: '/api/v1/auth/logout', status: 204, changedNothing: true })).toEqual([]);
    expect(audited({ route: '/api/v1/auth/login', status: 400 })).toEqual([]);
    expect(audited({ route: '/api/v1/auth/refresh', status: 400 })).toEqual([]);
    // One the client hung up on (counted by the rate limit), one that failed: recorded, they may have done something.
    expect(audited({ route: '/api/v1/auth/logout', status: 499 })).toHaveLength(1);
    expect(audited({ route: '/api/v1/auth/login', status: 500 })).toHaveLength(1);
    // An authenticated caller's requests are recorded whatever they changed.
    expect(audited({ route: '/api/v1/auth/logout', status: 204, changedNothing: true, principal: operator })).toHaveLength(1);
  });

  it('does not record what anyone could send without credentials elsewhere: a 401, a 429, a 413', () => {
    expect(audited({ route: '/api/v1/hosts/:host/containers', status: 401, params: { host: 'a'.repeat(15_000) } })).toEqual([]);
    expect(audited({ route: '/api/v1/users', status: 429 })).toEqual([]);
    expect(audited({ route: '/api/v1/hosts/:host/images/load', status: 413 })).toEqual([]);
  });

  it('keeps at most AUDIT_TEXT_MAX_LENGTH characters of a path parameter', () => {
    const [record] = audited({
      method: 'DELETE',
      route: '/api/v1/hosts/:host/containers/:id',
      status: 404,
      principal: operator,
      params: { host: 'local', id: 'x'.repeat(15_000) },
    });
    expect(record.targets).toEqual(['local', `${'x'.repeat(AUDIT_TEXT_MAX_LENGTH)}…`]);
  });

  it('does not record reads', () => {
    expect(audited({ method: 'GET', route: '/api/v1/hosts/:host/containers', status: 200, principal: operator })).toEqual([]);
  });
});
