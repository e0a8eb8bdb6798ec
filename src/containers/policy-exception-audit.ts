import type { AuditLog } from '../audit/audit-log.js';
import type { Principal } from '../common/principal.js';
import { ProblemException } from '../common/problem.js';
import type { PolicyViolation } from './create-policy.js';

/** What an admin's create that breaks the create policy is audited as. */
export interface PolicyException {
  action: string;
  actor: Principal | undefined;
  violations: readonly PolicyViolation[];
  /** The request's facts (host, name, image or driver); the rules and violations are added. */
  details: Record<string, unknown>;
}

/**
 * Runs a create and, when it is an admin's policy exception, audits it with how it ended (the status,
 * and what was made when it was), whether it succeeded or failed. Without an exception it just runs.
 */
export async function withExceptionAudit<T>(
  audit: AuditLog,
  exception: PolicyException | undefined,
  create: () => Promise<T>,
  targetOf: (result: T) => string,
  successStatus = 201,
): Promise<T> {
  if (!exception) return create();
  let status = successStatus;
  let target: string | undefined;
  try {
    const result = await create();
    target = targetOf(result);
    return result;
  } catch (error) {
    status = error instanceof ProblemException ? error.getStatus() : 500;
    throw error;
  } finally {
    await audit.record({
      action: exception.action,
      actor: exception.actor,
      targets: target ? [target] : [],
      status,
      details: { ...exception.details, rules: exception.violations.map((v) => v.rule), violations: exception.violations },
    });
  }
}
