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
  /** @example apiKey */
  @ApiProperty({ enum: ['user', 'apiKey'] })
  kind: 'user' | 'apiKey';
  /** @example 3f2c8e1a-5b7d-4c9e-a0f1-6d8b2e4c7a90 */
  userId: string;
  /**
   * As it was at the time.
   * @example admin
   */
  username: string;
  /** @example 5d9e7c1a-0b2f-4e6d-8a3c-1f7b9e2d4c60 */
  apiKeyId?: string;
}

export class AuditEventDto {
  /** @example 1042 */
  @ApiProperty({ type: 'integer' })
  id: number;
  /** @example 2026-11-26T17:02:11.912Z */
  at: string;
  /**
   * `METHOD /route/:pattern` for requests, or a named event such as `container.create.policy-exception`.
   * @example "POST /api/v1/hosts/:host/containers"
   */
  action: string;
  /** Who; null when the request carried no valid credential. */
  actor: AuditActorDto | null;
  /** @example 192.168.1.20 */
  remoteAddress: string | null;
  /**
   * Ids the action was about.
   * @example ["local", "4f66ad9a0b2e1c3d5e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5"]
   */
  targets: string[];
  /**
   * The HTTP status of the answer (499: the client went away first).
   * @example 201
   */
  @ApiProperty({ type: 'integer' })
  status: number;
  /** @example 184 */
  @ApiProperty({ type: 'integer' })
  durationMs: number | null;
  /** Safe facts, e.g. the username a failed login tried. */
  @ApiProperty({ example: null })
  details: Record<string, unknown> | null;
}

/** Audit events, newest first. */
export class AuditPageDto extends PageOf(AuditEventDto) {}
