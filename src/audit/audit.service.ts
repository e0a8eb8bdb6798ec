import { Injectable } from '@nestjs/common';
import { AuditEventDto, AuditPageDto, AuditQueryDto } from './dto/audit.dto.js';
import { AuditEventRow, AuditRepository } from './audit.repository.js';

const DEFAULT_PAGE_SIZE = 50;

@Injectable()
export class AuditService {
  constructor(private readonly repository: AuditRepository) {}

  async list(query: AuditQueryDto): Promise<AuditPageDto> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const rows = await this.repository.find({
      actor: query.actor,
      action: query.action,
      target: query.target,
      // Stored as toISOString(): compare like with like.
      from: query.from && new Date(query.from).toISOString(),
      to: query.to && new Date(query.to).toISOString(),
      before: query.cursor,
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    return { items: page.map(toAuditEventDto), nextCursor: rows.length > limit ? page[page.length - 1].id : null };
  }
}

export function toAuditEventDto(row: AuditEventRow): AuditEventDto {
  return {
    id: row.id,
    at: row.at,
    action: row.action,
    actor:
      row.actorKind && row.actorUserId
        ? {
            kind: row.actorKind,
            userId: row.actorUserId,
            username: row.actorUsername ?? '',
            ...(row.actorApiKeyId && { apiKeyId: row.actorApiKeyId }),
          }
        : null,
    remoteAddress: row.remoteAddress,
    targets: row.targets,
    status: row.status,
    durationMs: row.durationMs,
    details: row.details ? (JSON.parse(row.details) as Record<string, unknown>) : null,
  };
}
