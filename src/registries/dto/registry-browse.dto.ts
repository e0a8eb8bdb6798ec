import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { QueryInt } from '../../common/validators.js';
import { REGISTRY_FAILURE_REASONS, type RegistryFailureReason } from '../registry-access.js';

/** The most names one page asks a registry for. */
export const REGISTRY_PAGE_MAX = 1000;

export class RegistryPageQueryDto {
  /** Page size, 1-1000; default 100. */
  @IsOptional()
  @QueryInt()
  @IsInt()
  @Min(1)
  @Max(REGISTRY_PAGE_MAX)
  @ApiPropertyOptional({ example: 100 })
  n?: number;

  /** The `next` of the previous page. */
  @IsOptional()
  @IsString()
  @MaxLength(512)
  @ApiPropertyOptional({ example: 'team/app' })
  last?: string;
}

export class RegistryRepositoriesDto {
  @ApiProperty({ example: ['team/app', 'team/worker'] })
  items: string[];
  /** Pass as `last` for the next page; absent on the last page. */
  @ApiPropertyOptional({ example: 'team/worker' })
  next?: string;
}

export class RegistryTagsDto {
  @ApiProperty({ example: 'team/app' })
  repository: string;
  @ApiProperty({ example: ['1.0', '1.1', 'latest'] })
  items: string[];
  /** Pass as `last` for the next page; absent on the last page. */
  @ApiPropertyOptional({ example: 'latest' })
  next?: string;
}

export class RegistryPlatformDto {
  @ApiProperty({ example: 'linux' })
  os: string;
  @ApiProperty({ example: 'arm64' })
  architecture: string;
  @ApiPropertyOptional({ example: 'v8' })
  variant?: string;
  /** The platform's own manifest. */
  @ApiProperty({ example: 'sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270' })
  digest: string;
}

export class RegistryTagDto {
  @ApiProperty({ example: 'team/app' })
  repository: string;
  @ApiProperty({ example: '1.0' })
  tag: string;
  /** The manifest's digest: what `RepoDigests` of a pulled image names. */
  @ApiProperty({ example: 'sha256:9ae97d36d26566ff84e8893c64a6dc4fe8ca6d1144bf5b87b2b85a32def253c7' })
  digest: string;
  @ApiProperty({ example: 'application/vnd.docker.distribution.manifest.v2+json' })
  mediaType: string;
  /** The manifest's own size. */
  @ApiProperty({ type: 'integer', example: 527 })
  sizeBytes: number;
  /** An image manifest's config and layers (compressed): what a pull downloads. Absent for an index. */
  @ApiPropertyOptional({ example: 1_004_321 })
  @ApiProperty({ type: 'integer' })
  contentSizeBytes?: number;
  /** From the image's config, when the registry gives it. */
  @ApiPropertyOptional({ example: '2026-11-20T09:12:44.123456789Z' })
  created?: string;
  /** The platforms of an index (manifest list); absent for a single image. */
  @ApiPropertyOptional({ type: [RegistryPlatformDto] })
  platforms?: RegistryPlatformDto[];
}

export class RegistryTagDeletedDto {
  @ApiProperty({ example: 'team/app' })
  repository: string;
  @ApiProperty({ example: '1.0' })
  tag: string;
  /** The manifest deleted: every tag that named it is gone with it. */
  @ApiProperty({ example: 'sha256:9ae97d36d26566ff84e8893c64a6dc4fe8ca6d1144bf5b87b2b85a32def253c7' })
  digest: string;
}

export class RegistryCheckDto {
  @ApiProperty({ example: false })
  ok: boolean;
  @ApiProperty({ example: 'the registry at http://127.0.0.1:5001 refused the credentials of user berth-test (UNAUTHORIZED).' })
  detail: string;
  /** Why not, when `ok` is false: credentials (`unauthorized`, `forbidden`) or the network and server (`tls`, `unreachable`, `not-a-registry`). */
  @ApiPropertyOptional({ enum: REGISTRY_FAILURE_REASONS, example: 'unauthorized' })
  reason?: RegistryFailureReason;
}
