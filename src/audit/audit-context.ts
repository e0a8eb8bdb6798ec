import type { Request } from 'express';

/** What a handler adds to the audit record of its request (the rest is read from the request). */
export interface AuditContext {
  /** Ids beyond the path parameters, e.g. of a resource the request created. */
  targets: string[];
  /** Safe facts only: never a password, token or secret. */
  details: Record<string, unknown>;
}

declare module 'express-serve-static-core' {
  interface Request {
    audit?: AuditContext;
  }
}

export function auditContext(request: Request): AuditContext {
  return (request.audit ??= { targets: [], details: {} });
}
