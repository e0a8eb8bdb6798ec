import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../common/access.decorators.js';
import { ApiHostRoute, ApiProblems } from '../common/openapi.js';
import { CurrentPrincipal, Principal } from '../common/principal.js';
import { VolumeCreateDto, VolumeDto, VolumeListQueryDto, VolumePageDto, VolumeRemoveQueryDto } from './dto/volume.dto.js';
import { VolumeNamePipe } from './volume-name.pipe.js';
import { VolumesService } from './volumes.service.js';
import { Idempotent } from '../idempotency/idempotent.decorator.js';

/** `docker volume`: list (with users and sizes), create, inspect, remove. */
@ApiTags('volumes')
@ApiHostRoute()
@Controller('api/v1/hosts/:host/volumes')
export class VolumesController {
  constructor(private readonly volumes: VolumesService) {}

  /**
   * `docker volume ls` with its filters; each volume with the containers that mount it and its size (`docker system df -v`).
   * By name, paged by `limit` and `cursor`.
   */
  @Get()
  @RequireRole('viewer')
  listVolumes(
    @Param('host') host: string,
    @Query() query: VolumeListQueryDto,
    @CurrentPrincipal() principal: Principal | undefined,
  ): Promise<VolumePageDto> {
    return this.volumes.list(host, query, principal);
  }

  /**
   * `docker volume create [--driver] [--label] [--opt]`. `driverOpts`, and drivers outside BERTH_ALLOWED_VOLUME_DRIVERS,
   * are for admins (403 POLICY_DENIED names the rule, nothing is created).
   */
  @Post()
  @Idempotent()
  @RequireRole('operator')
  @ApiCreatedResponse({ type: VolumeDto })
  @ApiProblems({ 403: ['POLICY_DENIED'], 409: ['CONFLICT'] })
  @ApiBody({
    type: VolumeCreateDto,
    examples: {
      named: { summary: 'docker volume create --label team=web pgdata', value: { name: 'pgdata', labels: { team: 'web' } } },
      nfs: {
        summary: 'docker volume create --opt type=nfs ... (admins only)',
        value: { name: 'shared', driverOpts: { type: 'nfs', o: 'addr=10.0.0.5,rw', device: ':/exports/shared' } },
      },
    },
  })
  createVolume(
    @Param('host') host: string,
    @Body() body: VolumeCreateDto,
    @CurrentPrincipal() principal: Principal | undefined,
  ): Promise<VolumeDto> {
    return this.volumes.create(host, body, principal);
  }

  /** `docker volume inspect`, with the containers that mount it. */
  @Get(':name')
  @RequireRole('viewer')
  inspectVolume(
    @Param('host') host: string,
    @Param('name', VolumeNamePipe) name: string,
    @CurrentPrincipal() principal: Principal | undefined,
  ): Promise<VolumeDto> {
    return this.volumes.inspect(host, name, principal);
  }

  /** `docker volume rm [-f]`. In use: 409 VOLUME_IN_USE naming the containers. Protected volumes: admins only. */
  @Delete(':name')
  @HttpCode(204)
  @RequireRole('operator')
  @ApiProblems({ 404: ['VOLUME_NOT_FOUND'], 409: ['VOLUME_IN_USE'], 403: ['POLICY_DENIED'] })
  removeVolume(
    @Param('host') host: string,
    @Param('name', VolumeNamePipe) name: string,
    @Query() query: VolumeRemoveQueryDto,
    @CurrentPrincipal() principal: Principal | undefined,
  ): Promise<void> {
    return this.volumes.remove(host, name, query.force ?? false, principal);
  }
}
