import { Injectable } from '@nestjs/common';
import { AuditLog, AuditRecord } from './audit-log.js';
import { AuditRepository } from './audit.repository.js';

/** The audit log in the database, where GET /api/v1/audit reads it. */
@Injectable()
export class DatabaseAuditLog extends AuditLog {
  constructor(private readonly repository: AuditRepository) {
    super();
  }

  async record(record: AuditRecord): Promise<void> {
    const { actor } = record;
    const hasDetails = record.details && Object.keys(record.details).length > 0;
    await this.repository.append(
      {
        at: new Date().toISOString(),
        action: record.action,
        actorKind: actor?.kind ?? null,
        actorUserId: actor?.userId ?? null,
        actorApiKeyId: actor?.apiKeyId ?? null,
        actorUsername: actor?.username ?? null,
        remoteAddress: record.remoteAddress ?? null,
        status: record.status,
        durationMs: record.durationMs === undefined ? null : Math.round(record.durationMs),
        details: hasDetails ? JSON.stringify(record.details) : null,
      },
      record.targets ?? [],
    );
  }
}
