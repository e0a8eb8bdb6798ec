import { Controller, Get, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../common/access.decorators.js';
import { ApiProblems } from '../common/openapi.js';
import { CurrentPrincipal, Principal } from '../common/principal.js';
import {
  FleetContainerListQueryDto,
  FleetContainerPageDto,
  FleetImageListQueryDto,
  FleetImagePageDto,
  FleetVolumeListQueryDto,
  FleetVolumePageDto,
} from './dto/fleet.dto.js';
import { FleetService } from './fleet.service.js';

/**
 * Lists across hosts (`?host=all`): only the hosts the caller can see are read; one that is down or slow is named in
 * `errors` and the answer is still 200 with the others' items.
 */
@ApiTags('fleet')
@ApiProblems({ 404: ['HOST_NOT_FOUND'] })
@Controller('api/v1')
export class FleetController {
  constructor(private readonly fleet: FleetService) {}

  /**
   * `docker ps` on every host the caller can see (`host=all`) or on the hosts named, each item with its `host`; the filters
   * of `/hosts/{host}/containers` apply on each host. Ordered by host id, then newest first; paged by `limit` and `cursor`.
   */
  @Get('containers')
  @RequireRole('viewer')
  listFleetContainers(
    @Query() query: FleetContainerListQueryDto,
    @CurrentPrincipal() principal: Principal | undefined,
  ): Promise<FleetContainerPageDto> {
    return this.fleet.listContainers(principal, query);
  }

  /**
   * `docker images` on every host the caller can see (`host=all`) or on the hosts named, each item with its `host`; the
   * filters of `/hosts/{host}/images` apply on each host. Ordered by host id, then newest first; paged by `limit` and `cursor`.
   */
  @Get('images')
  @RequireRole('viewer')
  listFleetImages(
    @Query() query: FleetImageListQueryDto,
    @CurrentPrincipal() principal: Principal | undefined,
  ): Promise<FleetImagePageDto> {
    return this.fleet.listImages(principal, query);
  }

  /**
   * `docker volume ls` on every host the caller can see (`host=all`) or on the hosts named, each item with its `host`; the
   * filters of `/hosts/{host}/volumes` apply on each host. Ordered by host id, then by name; paged by `limit` and `cursor`.
   */
  @Get('volumes')
  @RequireRole('viewer')
  listFleetVolumes(
    @Query() query: FleetVolumeListQueryDto,
    @CurrentPrincipal() principal: Principal | undefined,
  ): Promise<FleetVolumePageDto> {
    return this.fleet.listVolumes(principal, query);
  }
}
