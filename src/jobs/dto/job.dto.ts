import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import { PageOf, PageQueryDto } from '../../common/dto/page.dto.js';
import { QueryBoolean, QueryInt } from '../../common/validators.js';
import { JOB_KINDS, JOB_STATUSES, type JobKind, type JobStatus } from '../job-types.js';

export class LayerProgressDto {
  /** @example 9ad63333ebc9 */
  id: string;
  /**
   * The engine's words: `Downloading`, `Pull complete`, `Already exists`, `Pushed`, ...
   * @example Downloading
   */
  status: string;
  /** @example 1048576 */
  @ApiProperty({ type: 'integer' })
  currentBytes?: number;
  /** @example 2221530 */
  @ApiProperty({ type: 'integer' })
  totalBytes?: number;
}

export class JobProgressDto {
  /**
   * 0-100; null while the total is unknown.
   * @example 47
   */
  @ApiProperty({ type: 'integer', nullable: true })
  percent: number | null;
  /** @example 1048576 */
  @ApiProperty({ type: 'integer' })
  currentBytes: number;
  /** @example 2221530 */
  @ApiProperty({ type: 'integer', nullable: true })
  totalBytes: number | null;
  layers: LayerProgressDto[];
}

export class JobDto {
  /** @example 7c0d2b5e-91f4-4a8e-b3d6-5e2a9c41f08d */
  id: string;
  /** @example pull */
  @ApiProperty({ enum: JOB_KINDS })
  kind: JobKind;
  /** @example local */
  host: string;
  /**
   * What it is about, e.g. the image reference.
   * @example localhost:5001/team/app:1.0
   */
  target: string;
  /** @example succeeded */
  @ApiProperty({ enum: JOB_STATUSES })
  status: JobStatus;
  progress: JobProgressDto;
  /**
   * What the job produced (e.g. the pulled image's id and digest); null until it succeeded.
   * @example {"image": "localhost:5001/team/app:1.0", "imageId": "sha256:9ae97d36d26566ff84e8893c64a6dc4fe8ca6d1144bf5b87b2b85a32def253c7", "repoDigests": ["localhost:5001/team/app@sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270"]}
   */
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true })
  result: object | null;
  /** Why it failed, in the engine's words when the engine said it; or why Berth canceled it (the access that started it ended or changed). */
  @ApiProperty({ type: String, nullable: true, example: null })
  error: string | null;
  /**
   * The id of the user who started it.
   * @example 3f2c8e1a-5b7d-4c9e-a0f1-6d8b2e4c7a90
   */
  @ApiProperty({ type: String, nullable: true })
  createdBy: string | null;
  /** @example 2026-11-26T17:05:02.118Z */
  createdAt: string;
  /** @example 2026-11-26T17:05:02.131Z */
  @ApiProperty({ type: String, nullable: true })
  startedAt: string | null;
  /** @example 2026-11-26T17:05:04.870Z */
  @ApiProperty({ type: String, nullable: true })
  finishedAt: string | null;
}

/** `?wait=true` on a route that starts a job. */
export class WaitQueryDto {
  /** Wait for the job to finish and answer it (200) instead of 202 at once. */
  @IsOptional()
  @QueryBoolean()
  @IsBoolean()
  wait?: boolean;
}

/** Filters, and the page (newest first). */
export class JobsQueryDto extends PageQueryDto {
  @IsOptional()
  @IsIn(JOB_KINDS)
  @ApiPropertyOptional({ enum: JOB_KINDS })
  kind?: JobKind;

  @IsOptional()
  @IsIn(JOB_STATUSES)
  @ApiPropertyOptional({ enum: JOB_STATUSES })
  status?: JobStatus;

  @IsOptional()
  @IsString()
  @Length(1, 200)
  host?: string;

  /** Only the caller's jobs. */
  @IsOptional()
  @QueryBoolean()
  @IsBoolean()
  mine?: boolean;
}

/** Jobs, newest first. */
export class JobPageDto extends PageOf(JobDto) {}

export class JobEventsQueryDto {
  /** Page size, 1-1000; default 200. */
  @IsOptional()
  @QueryInt()
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;

  /** The `nextCursor` of the previous page. */
  @IsOptional()
  @QueryInt()
  @IsInt()
  @Min(0)
  cursor?: number;
}

export class JobEventDto {
  /**
   * Increasing within a job.
   * @example 3
   */
  @ApiProperty({ type: 'integer' })
  id: number;
  /** @example 2026-11-26T17:05:03.402Z */
  at: string;
  /**
   * `output`: a line (build output, a pull's status); `progress`: the progress as it stood; `status`: the job's status changed.
   * @example output
   */
  @ApiProperty({ enum: ['output', 'progress', 'status'] })
  type: 'output' | 'progress' | 'status';
  /** @example "9ad63333ebc9: Pull complete" */
  line?: string;
  progress?: JobProgressDto;
  /** @example running */
  @ApiPropertyOptional({ enum: JOB_STATUSES })
  status?: JobStatus;
  @ApiPropertyOptional({ type: String, nullable: true, example: null })
  error?: string | null;
}

export class JobEventPageDto {
  /** Oldest first. */
  items: JobEventDto[];
  /**
   * Pass as `cursor` for the next page; null on the last page (so far: a running job logs more).
   * @example 3
   */
  @ApiProperty({ type: 'integer', nullable: true })
  nextCursor: number | null;
}
