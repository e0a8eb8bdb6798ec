import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { JobDto } from '../../jobs/dto/job.dto.js';
import { JOB_KINDS, type JobKind } from '../../jobs/job-types.js';
import { PRUNE_KINDS, type PruneKind } from '../prune-planner.js';

export class PruneItemDto {
  @ApiProperty({ enum: PRUNE_KINDS, example: 'container' })
  kind: PruneKind;
  /** The full id (a volume's name). */
  @ApiProperty({ example: '9b1e6f0c2d4a8e3f5a7b9c1d2e4f6a8b0c2d4e6f8a0b1c3d5e7f9a1b3c5d7e9f' })
  id: string;
  @ApiProperty({ example: 'old-web' })
  name: string;
  /** What removing it frees, from `docker system df` (0 when the engine does not say). */
  @ApiProperty({ type: 'integer', example: 4096 })
  sizeBytes: number;
  /** Why it is in the plan. */
  @ApiProperty({ example: 'exited: Exited (0) 3 days ago' })
  reason: string;
  /** Volumes: when the engine created it; a volume re-created under that name since the plan is skipped, not removed. */
  @ApiPropertyOptional({ example: '2026-11-26T15:42:18Z' })
  createdAt?: string;
}

export class PruneKindTotalsDto {
  /** @example 1 */
  @ApiProperty({ type: 'integer' })
  count: number;
  /** @example 4096 */
  @ApiProperty({ type: 'integer' })
  reclaimableBytes: number;
}

export class PruneByKindDto {
  container: PruneKindTotalsDto;
  network: PruneKindTotalsDto;
  volume: PruneKindTotalsDto;
  image: PruneKindTotalsDto;
  buildCache: PruneKindTotalsDto;
}

export class PrunePlanTotalsDto {
  @ApiProperty({ type: 'integer', example: 3 })
  count: number;
  @ApiProperty({ type: 'integer', example: 52428800 })
  reclaimableBytes: number;
  byKind: PruneByKindDto;
}

/** What a prune would remove: execute it with `POST /prune {planId}` before `expiresAt`, once. */
export class PrunePlanDto {
  @ApiProperty({ example: '3f0c2a9e-5b7d-4c1e-9a8b-2d6f1e0c7b55' })
  planId: string;
  @ApiProperty({ example: '2026-11-26T15:10:00.000Z' })
  expiresAt: string;
  /** In execution order: containers, networks, volumes, images, build cache. */
  items: PruneItemDto[];
  totals: PrunePlanTotalsDto;
}

export class PruneItemResultDto extends PruneItemDto {
  @ApiProperty({ enum: ['removed', 'skipped', 'failed'], example: 'removed' })
  status: 'removed' | 'skipped' | 'failed';
  @ApiProperty({ type: 'integer', example: 4096 })
  reclaimedBytes: number;
  /** Why it was skipped or failed, e.g. `started since the plan was made`. */
  @ApiPropertyOptional({ example: 'started since the plan was made' })
  detail?: string;
}

export class PruneReportTotalsDto {
  /** @example 3 */
  @ApiProperty({ type: 'integer' })
  removed: number;
  /** @example 0 */
  @ApiProperty({ type: 'integer' })
  skipped: number;
  /** @example 0 */
  @ApiProperty({ type: 'integer' })
  failed: number;
  /** @example 52428800 */
  @ApiProperty({ type: 'integer' })
  reclaimedBytes: number;
}

/** A prune job's `result`: each planned item with what became of it. */
export class PruneReportDto {
  /** @example 3f0c2a9e-5b7d-4c1e-9a8b-2d6f1e0c7b55 */
  planId: string;
  /** @example local */
  host: string;
  items: PruneItemResultDto[];
  totals: PruneReportTotalsDto;
}

/** The report of a prune that removed one stopped container. */
const PRUNE_REPORT_EXAMPLE = {
  planId: '3f0c2a9e-5b7d-4c1e-9a8b-2d6f1e0c7b55',
  host: 'local',
  items: [
    {
      kind: 'container',
      id: '9b1e6f0c2d4a8e3f5a7b9c1d2e4f6a8b0c2d4e6f8a0b1c3d5e7f9a1b3c5d7e9f',
      name: 'old-web',
      sizeBytes: 4096,
      reason: 'exited: Exited (0) 3 days ago',
      status: 'removed',
      reclaimedBytes: 4096,
    },
  ],
  totals: { removed: 1, skipped: 0, failed: 0, reclaimedBytes: 4096 },
};

/** A prune job: its `result`, once it succeeded, is the report. */
export class PruneJobDto extends JobDto {
  @ApiProperty({ enum: JOB_KINDS, example: 'prune' })
  declare kind: JobKind;
  @ApiProperty({ description: "The plan's id.", example: '3f0c2a9e-5b7d-4c1e-9a8b-2d6f1e0c7b55' })
  declare target: string;
  @ApiProperty({
    type: PruneReportDto,
    nullable: true,
    example: PRUNE_REPORT_EXAMPLE,
  })
  declare result: PruneReportDto | null;
}
