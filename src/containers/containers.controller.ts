import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../common/access.decorators.js';
import { ApiHostRoute, ApiProblems } from '../common/openapi.js';
import { CurrentPrincipal, Principal } from '../common/principal.js';
import { ApiContainerRoute, ContainerRefPipe } from './container-ref.pipe.js';
import { ContainersService } from './containers.service.js';
import { CommittedImageDto, ContainerCommitDto, ContainerRenameDto } from './dto/container-actions.dto.js';
import {
  ContainerCreateDto,
  ContainerCreatedDto,
  WEB_CONTAINER_CREATED_EXAMPLE,
  WEB_CONTAINER_EXAMPLE,
} from './dto/container-create.dto.js';
import { ContainerInspectDto } from './dto/container-inspect.dto.js';
import { ContainerListQueryDto, RemoveQueryDto } from './dto/container-query.dto.js';
import { ContainerPageDto } from './dto/container-summary.dto.js';
import { Idempotent } from '../idempotency/idempotent.decorator.js';

/** Containers as resources: list, create (`docker run`), inspect, rename, commit, remove. */
@ApiTags('containers')
@ApiHostRoute()
@Controller('api/v1/hosts/:host/containers')
export class ContainersController {
  constructor(private readonly containers: ContainersService) {}

  /**
   * `docker ps` with its filters; stopped containers only with `all=true` (or a status filter that asks for them).
   * Newest first (created, then id), paged by `limit` and `cursor`.
   */
  @Get()
  @RequireRole('viewer')
  @ApiProblems({ 400: ['ENGINE_REJECTED'], 404: ['CONTAINER_NOT_FOUND'] })
  listContainers(@Param('host') host: string, @Query() query: ContainerListQueryDto): Promise<ContainerPageDto> {
    return this.containers.list(host, query);
  }

  /**
   * `docker create`, or `docker run -d` with `start: true`. Pulls a missing image first unless `pull: never`.
   * Options that make the container root on the host are for admins only (403 POLICY_DENIED names the rule).
   */
  @Post()
  @Idempotent()
  @RequireRole('operator')
  @ApiBody({ type: ContainerCreateDto, examples: { web: { summary: 'A web server on port 8081', value: WEB_CONTAINER_EXAMPLE } } })
  @ApiCreatedResponse({ type: ContainerCreatedDto, example: WEB_CONTAINER_CREATED_EXAMPLE })
  @ApiProblems({
    409: ['NAME_CONFLICT', 'PORT_ALLOCATED'],
    403: ['POLICY_DENIED'],
    404: ['IMAGE_NOT_FOUND'],
    400: ['ENGINE_REJECTED'],
    502: ['REGISTRY_AUTH_FAILED'],
  })
  createContainer(
    @Param('host') host: string,
    @Body() body: ContainerCreateDto,
    @CurrentPrincipal() principal: Principal | undefined,
  ): Promise<ContainerCreatedDto> {
    return this.containers.create(host, body, principal);
  }

  /**
   * `docker inspect`: a normalised view, with the engine's document under `raw`.
   * Viewers get env values as `KEY=<redacted>`, in `env` and in `raw` (see BERTH_VIEWER_REDACTION).
   */
  @Get(':id')
  @RequireRole('viewer')
  @ApiContainerRoute()
  inspectContainer(
    @Param('host') host: string,
    @Param('id', ContainerRefPipe) id: string,
    @CurrentPrincipal() principal: Principal | undefined,
  ): Promise<ContainerInspectDto> {
    return this.containers.inspect(host, id, principal);
  }

  /** `docker rename`; renaming to the current name is success. */
  @Post(':id/rename')
  @HttpCode(204)
  @RequireRole('operator')
  @ApiContainerRoute()
  @ApiProblems({ 403: ['POLICY_DENIED'], 409: ['NAME_CONFLICT'] })
  renameContainer(
    @Param('host') host: string,
    @Param('id', ContainerRefPipe) id: string,
    @Body() body: ContainerRenameDto,
    @CurrentPrincipal() principal: Principal | undefined,
  ): Promise<void> {
    return this.containers.rename(host, id, body.name, principal);
  }

  /**
   * `docker commit`: a new image from the container's filesystem and config, env included (`carriedEnvKeys` names the keys).
   * Committing a policy-exception container, or over a tag one runs, is for admins only (403 POLICY_DENIED names the rules).
   */
  @Post(':id/commit')
  @RequireRole('operator')
  @ApiCreatedResponse({ type: CommittedImageDto })
  @ApiContainerRoute()
  @ApiProblems({ 403: ['POLICY_DENIED'], 400: ['ENGINE_REJECTED'] })
  commitContainer(
    @Param('host') host: string,
    @Param('id', ContainerRefPipe) id: string,
    @Body() body: ContainerCommitDto,
    @CurrentPrincipal() principal: Principal | undefined,
  ): Promise<CommittedImageDto> {
    return this.containers.commit(host, id, body, principal);
  }

  /** `docker rm`; a running container needs `force=true` (409 CONTAINER_RUNNING otherwise). */
  @Delete(':id')
  @HttpCode(204)
  @RequireRole('operator')
  @ApiContainerRoute()
  @ApiProblems({ 403: ['POLICY_DENIED'], 409: ['CONTAINER_RUNNING'] })
  removeContainer(
    @Param('host') host: string,
    @Param('id', ContainerRefPipe) id: string,
    @Query() query: RemoveQueryDto,
    @CurrentPrincipal() principal: Principal | undefined,
  ): Promise<void> {
    return this.containers.remove(host, id, query, principal);
  }
}
