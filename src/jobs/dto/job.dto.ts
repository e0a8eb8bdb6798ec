import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import { PageOf, PageQueryDto } from '../../common/dto/page.dto.js';
import { QueryBoolean, QueryInt } from '../../common/validators.js';
import { JOB_KINDS, JOB_STATUSES, type JobKind, type JobStatus } from '../job-types.js';

export class LayerProgressDto {
  id: string;
  /** The engine's words: `Downloading`, `Pull complete`, `Already exists`, `Pushed`, ... */
  status: string;
  @ApiProperty({ type: 'integer' })
  currentBytes?: number;
  @ApiProperty({ type: 'integer' })
  totalBytes?: number;
}

export class JobProgressDto {
  /** 0-100; null while the total is unknown. */
  @ApiProperty({ type: 'integer', nullable: true })
  percent: number | null;
  @ApiProperty({ type: 'integer' })
  currentBytes: number;
  @ApiProperty({ type: 'integer', nullable: true })
  totalBytes: number | null;
  layers: LayerProgressDto[];
}

export class JobDto {
  id: string;
  @ApiProperty({ enum: JOB_KINDS })
  kind: JobKind;
  host: string;
  /** What it is about, e.g. the image reference. */
  target: string;
  @ApiProperty({ enum: JOB_STATUSES })
  status: JobStatus;
  progress: JobProgressDto;
  /** What the job produced (e.g. the pulled image's id and digest); null until it succeeded. */
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true })
  result: object | null;
  /** Why it failed, in the engine's words when the engine said it. */
  @ApiProperty({ type: String, nullable: true })
  error: string | null;
  /** The id of the user who started it. */
  @ApiProperty({ type: String, nullable: true })
  createdBy: string | null;
  createdAt: string;
  @ApiProperty({ type: String, nullable: true })
  startedAt: string | null;
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
  /** Increasing within a job. */
  @ApiProperty({ type: 'integer' })
  id: number;
  at: string;
  /** `output`: a line (build output, a pull's status); `progress`: the progress as it stood; `status`: the job's status changed. */
  @ApiProperty({ enum: ['output', 'progress', 'status'] })
  type: 'output' | 'progress' | 'status';
  line?: string;
  progress?: JobProgressDto;
  @ApiPropertyOptional({ enum: JOB_STATUSES })
  status?: JobStatus;
  @ApiPropertyOptional({ type: String, nullable: true })
  error?: string | null;
}

export class JobEventPageDto {
  /** Oldest first. */
  items: JobEventDto[];
  /** Pass as `cursor` for the next page; null on the last page (so far: a running job logs more). */
  @ApiProperty({ type: 'integer', nullable: true })
  nextCursor: number | null;
}
