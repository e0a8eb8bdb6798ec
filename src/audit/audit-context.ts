import type { Request } from 'express';

/** What a handler adds to the audit record of its request (the rest is read from the request). */
export interface AuditContext {
  /** Ids beyond the path parameters, e.g. of a resource the request created. */
  targets: string[];
  /** Safe facts only: never a password, token or secret. */
  details: Record<string, unknown>;
  /**
   * Set by a handler whose request, sent without credentials, changed nothing (a logout with an unknown token): not
   * recorded, or anyone could add rows as fast as they liked.
   */
  changedNothing?: boolean;
}

declare module 'express-serve-static-core' {
  interface Request {
    audit?: AuditContext;
  }
}

/** The requests the audit log records: those that may change something. */
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function isMutating(method: string): boolean {
  return MUTATING.has(method);
}

export function auditContext(request: Request): AuditContext {
  return (request.audit ??= { targets: [], details: {} });
}

/** The most the audit keeps of a text the caller chose (an attempted username): enough to read, bounded. */
export const AUDIT_TEXT_MAX_LENGTH = 128;

export function auditText(text: string): string {
  return text.length > AUDIT_TEXT_MAX_LENGTH ? `${text.slice(0, AUDIT_TEXT_MAX_LENGTH)}…` : text;
}
