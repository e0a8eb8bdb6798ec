import { Injectable } from '@nestjs/common';
import { AuditEventDto, AuditPageDto, AuditQueryDto } from './dto/audit.dto.js';
import { DEFAULT_PAGE_LIMIT, decodeCursor, invalidCursor, mapPage, pageFromRows } from '../common/pagination.js';
import { AuditEventRow, AuditRepository } from './audit.repository.js';

@Injectable()
export class AuditService {
  constructor(private readonly repository: AuditRepository) {}

  async list(query: AuditQueryDto): Promise<AuditPageDto> {
    const limit = query.limit ?? DEFAULT_PAGE_LIMIT;
    const { rows, total } = await this.repository.find({
      actor: query.actor,
      action: query.action,
      target: query.target,
      // Stored as toISOString(): compare like with like.
      from: query.from && new Date(query.from).toISOString(),
      to: query.to && new Date(query.to).toISOString(),
      before: query.cursor === undefined ? undefined : afterEvent(query.cursor),
      limit: limit + 1,
    });
    return mapPage(
      pageFromRows(rows, total, limit, (row) => [String(row.id)]),
      toAuditEventDto,
    );
  }
}

/** The id in an audit cursor (events are ordered by id). */
function afterEvent(cursor: string): number {
  const [id] = decodeCursor(cursor, 1);
  if (!/^[1-9]\d{0,15}$/.test(id)) throw invalidCursor();
  return Number(id);
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
