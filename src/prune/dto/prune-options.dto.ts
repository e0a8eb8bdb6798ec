import { ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsOptional, IsString, IsUUID } from 'class-validator';
import { IsLogTime } from '../../common/log-time.js';
import { IsLabelFilter } from '../prune-filters.js';
import { IMAGE_MODES, VOLUME_MODES } from '../prune-planner.js';

/** What to prune. Left out, each is `docker system prune`'s default. */
export class PruneOptionsDto {
  /**
   * Stopped containers (created, exited, dead). Default true.
   * @example true
   */
  @IsOptional()
  @IsBoolean()
  containers?: boolean;

  /** `dangling` (untagged) images, `all` images no container uses, or `none`. Default `dangling`. */
  @IsOptional()
  @IsIn(IMAGE_MODES)
  @ApiPropertyOptional({ enum: IMAGE_MODES, example: 'dangling' })
  images?: (typeof IMAGE_MODES)[number];

  /**
   * Networks no container uses (never `bridge`, `host`, `none`). Default true.
   * @example true
   */
  @IsOptional()
  @IsBoolean()
  networks?: boolean;

  /** `anonymous` volumes no container uses, `all` unused local volumes (named ones too), or `none`. Default `none`. Executing a plan with volumes needs `admin`. */
  @IsOptional()
  @IsIn(VOLUME_MODES)
  @ApiPropertyOptional({ enum: VOLUME_MODES, example: 'anonymous' })
  volumes?: (typeof VOLUME_MODES)[number];

  /**
   * Build cache records not in use. Default true; left out of a plan filtered by `labels` (records have none).
   * @example true
   */
  @IsOptional()
  @IsBoolean()
  buildCache?: boolean;

  /** Only what was created before: RFC 3339, Unix seconds or a duration before now (`24h`), as the CLI's `--filter until=`. */
  @IsOptional()
  @IsString()
  @IsLogTime({ message: 'until must be an RFC 3339 time, Unix seconds or a duration such as 24h' })
  @ApiPropertyOptional({ example: '24h' })
  until?: string;

  /** Only what carries these labels (ANDed): `key`, `key=value`, `key!=value`. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsLabelFilter({ each: true })
  @ApiPropertyOptional({ type: [String], example: ['app=shop', 'env!=prod'] })
  labels?: string[];
}

/** `POST /prune`: a plan to execute, or options to plan and execute in one call. */
export class PruneExecuteDto extends PruneOptionsDto {
  /** The plan to execute (from `POST /prune/plan`); without it the options are planned and executed at once. */
  @IsOptional()
  @IsUUID()
  @ApiPropertyOptional({ example: '3f0c2a9e-5b7d-4c1e-9a8b-2d6f1e0c7b55' })
  planId?: string;
}
