import { ApiProperty } from '@nestjs/swagger';
import { IsISO8601, IsOptional, IsString, Length } from 'class-validator';
import { PageOf, PageQueryDto } from '../../common/dto/page.dto.js';

/** Filters, and the page (newest first). */
export class AuditQueryDto extends PageQueryDto {
  /** A user id, an API key id or a username. */
  @IsOptional()
  @IsString()
  @Length(1, 200)
  actor?: string;

  /** Exactly, e.g. `POST /api/v1/users` or `DELETE /api/v1/auth/api-keys/:id`. */
  @IsOptional()
  @IsString()
  @Length(1, 300)
  action?: string;

  /** An id the action was about: a path parameter (a user, key, container, host ...) or what it created. */
  @IsOptional()
  @IsString()
  @Length(1, 300)
  target?: string;

  /** From this time on (ISO-8601, inclusive). */
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  /** Before this time (ISO-8601, exclusive). */
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;
}

export class AuditActorDto {
  @ApiProperty({ enum: ['user', 'apiKey'] })
  kind: 'user' | 'apiKey';
  userId: string;
  /** As it was at the time. */
  username: string;
  apiKeyId?: string;
}

export class AuditEventDto {
  @ApiProperty({ type: 'integer' })
  id: number;
  at: string;
  /** `METHOD /route/:pattern` for requests, or a named event such as `container.create.policy-exception`. */
  action: string;
  /** Who; null when the request carried no valid credential. */
  actor: AuditActorDto | null;
  remoteAddress: string | null;
  /** Ids the action was about. */
  targets: string[];
  /** The HTTP status of the answer (499: the client went away first). */
  @ApiProperty({ type: 'integer' })
  status: number;
  @ApiProperty({ type: 'integer' })
  durationMs: number | null;
  /** Safe facts, e.g. the username a failed login tried. */
  details: Record<string, unknown> | null;
}

/** Audit events, newest first. */
export class AuditPageDto extends PageOf(AuditEventDto) {}
