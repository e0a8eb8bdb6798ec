import { type Type, applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, Matches } from 'class-validator';
import { PageOf } from '../../common/dto/page.dto.js';
import { PROBLEM_CODES, type ProblemCode } from '../../common/problem-codes.js';
import { QueryList } from '../../common/validators.js';
import { ContainerListQueryDto } from '../../containers/dto/container-query.dto.js';
import { ContainerSummaryDto } from '../../containers/dto/container-summary.dto.js';
import { ImageListQueryDto } from '../../images/dto/image-query.dto.js';
import { ImageSummaryDto } from '../../images/dto/image-summary.dto.js';
import { VolumeDto, VolumeListQueryDto } from '../../volumes/dto/volume.dto.js';
import { HOST_ID } from '../fleet-page.js';

export const FLEET_ALL_HOSTS = 'all';

/** `host=all` or `host=a&host=b`: which hosts a fleet list reads (`all` is a reserved host id). */
const FleetHosts = () =>
  applyDecorators(
    QueryList(),
    ArrayMinSize(1),
    ArrayMaxSize(100),
    Matches(HOST_ID, { each: true, message: 'host must be all or a host id' }),
    ApiProperty({
      type: [String],
      description:
        '`all`: every host the caller can see; or host ids, repeated (`host=local&host=edge-1`): each must be one the caller ' +
        'can see (404 HOST_NOT_FOUND otherwise, as on `/hosts/{host}`).',
      example: ['all'],
    }),
  );

/** `docker ps` over several hosts: the per-host list's filters and page, and the hosts. */
export class FleetContainerListQueryDto extends ContainerListQueryDto {
  @FleetHosts()
  host: string[];
}

/** `docker images` over several hosts: the per-host list's filters and page, and the hosts. */
export class FleetImageListQueryDto extends ImageListQueryDto {
  @FleetHosts()
  host: string[];
}

/** `docker volume ls` over several hosts: the per-host list's filters and page, and the hosts. */
export class FleetVolumeListQueryDto extends VolumeListQueryDto {
  @FleetHosts()
  host: string[];
}

/** A host of a fleet list that did not answer: its items are missing from the page. */
export class FleetHostErrorDto {
  /** @example edge-1 */
  host: string;
  /**
   * The code its own list would have answered with, e.g. `ENGINE_UNAVAILABLE` (down, or no answer within BERTH_FLEET_HOST_TIMEOUT_MS).
   * @example ENGINE_UNAVAILABLE
   */
  @ApiProperty({ enum: PROBLEM_CODES, enumName: 'ProblemCode', example: 'ENGINE_UNAVAILABLE' })
  code: ProblemCode;
  /** What happened, as the host's own list would say it. */
  @ApiProperty({ example: "Host 'edge-1' did not answer within 5000 ms." })
  detail: string;
}

/** A fleet page: a per-host page whose items name their host, and the hosts that failed. */
function FleetPageOf<T>(item: Type<T>) {
  abstract class FleetPageDto extends PageOf(item) {
    @ApiProperty({
      type: () => [FleetHostErrorDto],
      description:
        'The hosts that failed (down, timed out, or an engine error), each with the code its own list would answer; empty when all answered.',
    })
    errors: FleetHostErrorDto[];
  }
  return FleetPageDto;
}

/** A container of a fleet list. */
export class FleetContainerDto extends ContainerSummaryDto {
  /**
   * The host it runs on.
   * @example local
   */
  host: string;
}

/** An image of a fleet list. */
export class FleetImageDto extends ImageSummaryDto {
  /**
   * The host that has it.
   * @example local
   */
  host!: string;
}

/** A volume of a fleet list. */
export class FleetVolumeDto extends VolumeDto {
  /**
   * The host that has it.
   * @example local
   */
  host: string;
}

/** `docker ps` over several hosts: by host id, then newest first. */
export class FleetContainerPageDto extends FleetPageOf(FleetContainerDto) {}

/** `docker images` over several hosts: by host id, then newest first. */
export class FleetImagePageDto extends FleetPageOf(FleetImageDto) {}

/** `docker volume ls` over several hosts: by host id, then by name. */
export class FleetVolumePageDto extends FleetPageOf(FleetVolumeDto) {}
