import type { ColumnType, Generated } from 'kysely';
import type { Role } from '../common/access.decorators.js';

/**
 * The tables as repositories see them (camelCase; the columns are snake_case). Timestamps are
 * ISO-8601 strings and flags are nullable timestamps, so the same schema fits PostgreSQL later.
 */
export interface Schema {
  users: UsersTable;
  apiKeys: ApiKeysTable;
  auditEvents: AuditEventsTable;
  auditEventTargets: AuditEventTargetsTable;
  jobs: JobsTable;
  jobEvents: JobEventsTable;
  registries: RegistriesTable;
  refreshTokens: RefreshTokensTable;
  idempotencyKeys: IdempotencyKeysTable;
  hosts: HostsTable;
}

export interface UsersTable {
  id: string;
  username: string;
  passwordHash: string;
  role: Role;
  /** Bumped when the password changes: access tokens carry it, older ones stop working. */
  tokenVersion: number;
  disabledAt: string | null;
  createdAt: string;
  updatedAt: string;
  /** JSON HostGrant[] (src/auth/host-grants.ts): the user's role per host id glob or host label. */
  hostGrants: ColumnType<string, string | undefined, string>;
}

export interface ApiKeysTable {
  id: string;
  userId: string;
  name: string;
  role: Role;
  /** The first characters of the key, shown so people can tell keys apart. */
  prefix: string;
  /** SHA-256 of the whole key: a 256-bit random secret needs no slow hash. */
  keyHash: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
  createdAt: string;
  /** JSON string[] of host id globs the key is restricted to; null: not restricted. */
  hosts: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface AuditEventsTable {
  id: Generated<number>;
  at: string;
  action: string;
  actorKind: 'user' | 'apiKey' | null;
  actorUserId: string | null;
  actorApiKeyId: string | null;
  /** Kept as it was at the time, so the record stays readable after the user is gone. */
  actorUsername: string | null;
  remoteAddress: string | null;
  status: number;
  durationMs: number | null;
  /** JSON object. */
  details: ColumnType<string | null, string | null, never>;
}

export interface AuditEventTargetsTable {
  eventId: number;
  target: string;
}

export interface JobsTable {
  id: string;
  kind: string;
  host: string;
  target: string;
  status: string;
  /** JSON JobProgress. */
  progress: string;
  /** JSON object. */
  result: string | null;
  error: string | null;
  createdBy: string | null;
  createdByUsername: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  droppedEvents: Generated<number>;
}

export interface JobEventsTable {
  id: Generated<number>;
  jobId: string;
  at: string;
  /** `progress` or `output`. */
  type: string;
  /** JSON: the output line, or the JobProgress. */
  data: string;
}

export interface RegistriesTable {
  id: string;
  name: string;
  /** A RegistryKind. */
  kind: string;
  /** As image references name it, normalised: `docker.io`, `127.0.0.1:5001`. */
  host: string;
  /** The Distribution API's base URL: `https://registry-1.docker.io`. */
  apiUrl: string;
  username: string | null;
  /** AES-256-GCM sealed (secret-box.ts), never plain text. */
  passwordSealed: string | null;
  identityTokenSealed: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface RefreshTokensTable {
  id: string;
  /** Shared by every token rotated from one login. */
  familyId: string;
  userId: string;
  /** SHA-256 of the token: a 256-bit random secret needs no slow hash. */
  tokenHash: string;
  /** The user's tokenVersion when issued; a newer one (password changed, disabled) makes the token stale. */
  tokenVersion: number;
  expiresAt: string;
  createdAt: string;
  /** Rotated: presenting it again is reuse, and revokes the family. */
  spentAt: string | null;
  revokedAt: string | null;
}

export interface IdempotencyKeysTable {
  principalId: string;
  route: string;
  key: string;
  requestHash: string;
  /** Null while the first request runs. */
  status: number | null;
  /** JSON {headers, body}. */
  answer: string | null;
  owner: string;
  createdAt: string;
  expiresAt: string;
}

export interface HostsTable {
  id: string;
  name: string;
  url: string;
  /** 1: tcp:// without TLS, asked for explicitly. */
  plainHttp: number;
  tlsCa: string | null;
  tlsCert: string | null;
  /** AES-256-GCM sealed (secret-box.ts), never plain text. */
  tlsKeySealed: string | null;
  sshPrivateKeySealed: string | null;
  sshKnownHostKey: string | null;
  /** JSON object of string labels. */
  labels: string;
  createdAt: string;
  updatedAt: string;
}
