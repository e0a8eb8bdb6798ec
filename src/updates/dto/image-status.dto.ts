import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional } from 'class-validator';
import { QueryBoolean } from '../../common/validators.js';
import { IMAGE_STATUS_REASONS, IMAGE_STATUS_STATES } from '../image-status.js';
import type { ImageStatusReason, ImageStatusState } from '../image-status.js';

const DIGEST_EXAMPLE = 'sha256:6d1b0e9f2c5e4b3a8f7d9c0b1a2e3f4d5c6b7a8f9e0d1c2b3a4f5e6d7c8b9a0f';
const NEW_DIGEST_EXAMPLE = 'sha256:0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a';

export class ImageStatusQueryDto {
  /** Ask the registry now, even when an answer younger than BERTH_IMAGE_STATUS_TTL_SECONDS is kept, unless it is under 5 s old (a 429 back-off still holds). */
  @IsOptional()
  @QueryBoolean()
  @IsBoolean()
  refresh?: boolean;
}

/** Whether a local image still matches its tag in the registry. */
export class ImageStatusDto {
  /**
   * `up-to-date`: the tag (or, for an index, this host's platform entry) is one of the local digests; `outdated`: it is
   * not; `skipped`: nothing to compare (built locally, pinned by digest, an image id); `unknown`: the registry would not
   * tell (credentials refused, tag gone, platform absent); `error`: the registry could not be asked (network, 429).
   */
  @ApiProperty({ enum: IMAGE_STATUS_STATES, example: 'outdated' })
  state!: ImageStatusState;
  /** Why, stable for clients; `detail` says it in words. */
  @ApiProperty({ enum: IMAGE_STATUS_REASONS, example: 'digest-changed' })
  reason!: ImageStatusReason;
  @ApiProperty({ example: `127.0.0.1:5001/team/app:1.0 now points to ${NEW_DIGEST_EXAMPLE}, which the local image is not.` })
  detail!: string;
  /** The reference checked: the one the container was created from, or the one asked about. */
  @ApiProperty({ example: '127.0.0.1:5001/team/app:1.0' })
  reference!: string;
  /** The local image compared (for a container: the one it runs, whatever the tag names now). */
  @ApiProperty({ example: 'sha256:3f57d9401f8d42f986df300f0c69192fc41da28ccc8d797829467780db3dd741' })
  imageId!: string;
  /** The image's RepoDigests for the reference's repository (digests only). */
  @ApiProperty({ type: [String], example: [DIGEST_EXAMPLE] })
  localDigests!: string[];
  /** What the tag points to in the registry now (an index's digest when it is one). */
  @ApiPropertyOptional({ example: NEW_DIGEST_EXAMPLE })
  remoteDigest?: string;
  /** When the registry was asked: answers are kept BERTH_IMAGE_STATUS_TTL_SECONDS per host and reference. */
  @ApiProperty({ format: 'date-time', example: '2026-11-26T15:04:05.000Z' })
  checkedAt!: string;
  /** After a 429: seconds before Berth asks that registry again. */
  @ApiPropertyOptional({ example: 60 })
  @ApiProperty({ type: 'integer' })
  retryAfter?: number;
  /** The registry host asked (as references name it). */
  @ApiPropertyOptional({ example: '127.0.0.1:5001' })
  registry?: string;
  /** The registry record whose credentials were used; absent when the registry was asked anonymously. */
  @ApiPropertyOptional({ example: '0b6f6c1e-4f1a-4c57-9b0e-2f3c4d5e6f70' })
  registryId?: string;
  /** The platform whose entry of an index counts (`os/architecture[/variant]` of the engine). */
  @ApiPropertyOptional({ example: 'linux/amd64' })
  platform?: string;
}

export class ContainerImageStatusDto extends ImageStatusDto {
  @ApiProperty({ example: '4c01db0b339c8f4a5b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a' })
  containerId!: string;
  @ApiProperty({ example: 'web' })
  containerName!: string;
}

/** Every container's image status, and how many are in each state (a dashboard's "updates available" badge). */
export class HostImageStatusDto {
  @ApiProperty({
    type: 'object',
    properties: Object.fromEntries(IMAGE_STATUS_STATES.map((state) => [state, { type: 'integer' }])),
    example: { 'up-to-date': 5, outdated: 2, unknown: 0, error: 0, skipped: 1 },
  })
  counts!: Record<ImageStatusState, number>;
  @ApiProperty({ type: [ContainerImageStatusDto] })
  items!: ContainerImageStatusDto[];
}
