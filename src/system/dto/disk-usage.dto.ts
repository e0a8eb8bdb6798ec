import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { QueryInt } from '../../common/validators.js';

/** One of the largest items of a kind. */
export class DiskUsageItemDto {
  /**
   * Image id, container id, volume name or build cache record id.
   * @example sha256:3f57d9401f8d42f986df300f0c69192fc41da28ccc8d797829467780db3dd741
   */
  id: string;
  /**
   * A tag, container name or volume name; the id's short form when there is none.
   * @example busybox:latest
   */
  name: string;
  /** @example 4261550 */
  @ApiProperty({ type: 'integer' })
  sizeBytes: number;
  /**
   * In use: an image a container uses, a running container, a mounted volume, cache in use.
   * @example true
   */
  active: boolean;
}

export class DiskUsageQueryDto {
  /** How many of the largest items to list per kind (0: none). */
  @IsOptional()
  @QueryInt()
  @IsInt()
  @Min(0)
  @Max(100)
  top?: number = 10;
}

export class DiskUsageKindDto {
  /**
   * How many there are.
   * @example 12
   */
  @ApiProperty({ type: 'integer' })
  count: number;
  /**
   * How many are in use (images used by a container, running containers, referenced volumes).
   * @example 3
   */
  @ApiProperty({ type: 'integer' })
  active: number;
  /** @example 1610612736 */
  @ApiProperty({ type: 'integer' })
  sizeBytes: number;
  /**
   * What `docker system prune` of this kind could free.
   * @example 1073741824
   */
  @ApiProperty({ type: 'integer' })
  reclaimableBytes: number;
  /** The largest items, largest first (`?top=`). */
  largest: DiskUsageItemDto[];
}

/** `docker system df`. */
export class DiskUsageDto {
  images: DiskUsageKindDto;
  containers: DiskUsageKindDto;
  volumes: DiskUsageKindDto;
  buildCache: DiskUsageKindDto;
  /** @example 2147483648 */
  @ApiProperty({ type: 'integer' })
  totalBytes: number;
  /** @example 1288490188 */
  @ApiProperty({ type: 'integer' })
  reclaimableBytes: number;
}
