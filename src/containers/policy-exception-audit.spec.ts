import { describe, expect, it } from 'vitest';
import type { AuditLog, AuditRecord } from '../audit/audit-log.js';
import { ProblemException } from '../common/problem.js';
import type { PolicyViolation } from './create-policy.js';
import { PolicyException, withExceptionAudit } from './policy-exception-audit.js';

const violations = [{ rule: 'privileged', field: 'privileged', message: 'root on the host' }] as unknown as PolicyViolation[];
const exception: PolicyException = { action: 'thing.create.policy-exception', actor: undefined, violations, details: { host: 'local' } };

function recorder(): { audit: AuditLog; records: AuditRecord[] } {
  const records: AuditRecord[] = [];
  return { audit: { record: async (record: AuditRecord) => void records.push(record) }, records };
}

describe('withExceptionAudit', () => {
  it('audits nothing without an exception', async () => {
    const { audit, records } = recorder();
    await expect(
      withExceptionAudit(
        audit,
        undefined,
        async () => ({ id: 'a' }),
        (r) => r.id,
      ),
    ).resolves.toEqual({ id: 'a' });
    expect(records).toEqual([]);
  });

  it("audits an admin's exception that was made, with what was made", async () => {
    const { audit, records } = recorder();
    await withExceptionAudit(
      audit,
      exception,
      async () => ({ id: 'a' }),
      (r) => r.id,
    );
    expect(records).toEqual([
      {
        action: exception.action,
        actor: undefined,
        targets: ['a'],
        status: 201,
        details: { host: 'local', rules: ['privileged'], violations },
      },
    ]);
  });

  it.each([
    ['a problem', new ProblemException(409, 'NAME_CONFLICT', 'taken'), 409],
    ['any other error', new Error('boom'), 500],
  ])('audits an exception that failed with %s, with its status and no target, and passes the error on', async (_name, error, status) => {
    const { audit, records } = recorder();
    await expect(withExceptionAudit(audit, exception, () => Promise.reject(error), String)).rejects.toBe(error);
    expect(records).toMatchObject([{ targets: [], status }]);
  });
});
