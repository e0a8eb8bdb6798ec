import type { Migration } from 'kysely';
import * as usersAndApiKeys from './0001-users-and-api-keys.js';
import * as auditLog from './0002-audit-log.js';
import * as jobs from './0003-jobs.js';
import * as registries from './0004-registries.js';
import * as refreshTokens from './0005-refresh-tokens.js';
import * as idempotencyKeys from './0006-idempotency-keys.js';
import * as hosts from './0007-hosts.js';
import * as hostGrants from './0008-host-grants.js';

/** Every migration this version knows, by name; names sort in the order they run. */
export const MIGRATIONS: Record<string, Migration> = {
  '0001-users-and-api-keys': usersAndApiKeys,
  '0002-audit-log': auditLog,
  '0003-jobs': jobs,
  '0004-registries': registries,
  '0005-refresh-tokens': refreshTokens,
  '0006-idempotency-keys': idempotencyKeys,
  '0007-hosts': hosts,
  '0008-host-grants': hostGrants,
};
