import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { QueryInt } from '../../common/validators.js';

/** One of the largest items of a kind. */
export class DiskUsageItemDto {
  /** Image id, container id, volume name or build cache record id. */
  id: string;
  /** A tag, container name or volume name; the id's short form when there is none. */
  name: string;
  @ApiProperty({ type: 'integer' })
  sizeBytes: number;
  /** In use: an image a container uses, a running container, a mounted volume, cache in use. */
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
  /** How many there are. */
  @ApiProperty({ type: 'integer' })
  count: number;
  /** How many are in use (images used by a container, running containers, referenced volumes). */
  @ApiProperty({ type: 'integer' })
  active: number;
  @ApiProperty({ type: 'integer' })
  sizeBytes: number;
  /** What `docker system prune` of this kind could free. */
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
  @ApiProperty({ type: 'integer' })
  totalBytes: number;
  @ApiProperty({ type: 'integer' })
  reclaimableBytes: number;
}
