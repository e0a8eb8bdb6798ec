import type { Principal } from '../common/principal.js';

/** One thing that happened, as the audit log keeps it. Never a password, token or registry secret. */
export interface AuditRecord {
  /** What, e.g. `POST /api/v1/hosts/:host/containers` or `container.create.policy-exception`. */
  action: string;
  actor?: Principal;
  /** Ids the action was about, e.g. a container id. */
  targets?: string[];
  status: number;
  remoteAddress?: string;
  durationMs?: number;
  details?: Record<string, unknown>;
}

/** Where audit records go. Append-only. */
export abstract class AuditLog {
  abstract record(record: AuditRecord): Promise<void>;
}
