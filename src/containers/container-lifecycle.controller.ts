import { Controller, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../common/access.decorators.js';
import { ApiHostRoute, ApiProblems } from '../common/openapi.js';
import { CurrentPrincipal, Principal } from '../common/principal.js';
import { ApiContainerRoute, ContainerRefPipe } from './container-ref.pipe.js';
import { ContainersService } from './containers.service.js';
import { KillQueryDto, StopQueryDto, stopTimeout } from './dto/container-query.dto.js';

/** State changes. Each answers 204, also when the container already is in the state asked for. */
@ApiTags('containers')
@ApiHostRoute()
@ApiContainerRoute()
@Controller('api/v1/hosts/:host/containers/:id')
export class ContainerLifecycleController {
  constructor(private readonly containers: ContainersService) {}

  /** `docker start`. A bind source under the allowed roots that became a symlink or went missing is 403 POLICY_DENIED for non-admins. */
  @Post('start')
  @HttpCode(204)
  @RequireRole('operator')
  @ApiProblems({ 403: ['POLICY_DENIED'], 409: ['PORT_ALLOCATED'], 400: ['ENGINE_REJECTED'] })
  startContainer(
    @Param('host') host: string,
    @Param('id', ContainerRefPipe) id: string,
    @CurrentPrincipal() principal: Principal | undefined,
  ): Promise<void> {
    return this.containers.start(host, id, principal);
  }

  /** `docker stop -t`: SIGTERM, then SIGKILL after `timeout` (or `t`) seconds. */
  @Post('stop')
  @HttpCode(204)
  @RequireRole('operator')
  @ApiProblems({ 403: ['POLICY_DENIED'] })
  stopContainer(
    @Param('host') host: string,
    @Param('id', ContainerRefPipe) id: string,
    @Query() query: StopQueryDto,
    @CurrentPrincipal() principal: Principal | undefined,
  ): Promise<void> {
    return this.containers.stop(host, id, principal, stopTimeout(query));
  }

  /** `docker restart -t` (`timeout` or `t`), with the same bind check as start. */
  @Post('restart')
  @HttpCode(204)
  @RequireRole('operator')
  @ApiProblems({ 403: ['POLICY_DENIED'], 409: ['PORT_ALLOCATED'] })
  restartContainer(
    @Param('host') host: string,
    @Param('id', ContainerRefPipe) id: string,
    @Query() query: StopQueryDto,
    @CurrentPrincipal() principal: Principal | undefined,
  ): Promise<void> {
    return this.containers.restart(host, id, principal, stopTimeout(query));
  }

  /** `docker kill -s`. KILL on a stopped container is success; another signal to it is 409 CONTAINER_NOT_RUNNING. */
  @Post('kill')
  @HttpCode(204)
  @RequireRole('operator')
  @ApiProblems({ 403: ['POLICY_DENIED'], 409: ['CONTAINER_NOT_RUNNING'], 400: ['ENGINE_REJECTED'] })
  killContainer(
    @Param('host') host: string,
    @Param('id', ContainerRefPipe) id: string,
    @Query() query: KillQueryDto,
    @CurrentPrincipal() principal: Principal | undefined,
  ): Promise<void> {
    return this.containers.kill(host, id, principal, query.signal);
  }

  /** `docker pause` (freezes every process); a stopped container is 409 CONTAINER_NOT_RUNNING. */
  @Post('pause')
  @HttpCode(204)
  @RequireRole('operator')
  @ApiProblems({ 403: ['POLICY_DENIED'], 409: ['CONTAINER_NOT_RUNNING'] })
  pauseContainer(
    @Param('host') host: string,
    @Param('id', ContainerRefPipe) id: string,
    @CurrentPrincipal() principal: Principal | undefined,
  ): Promise<void> {
    return this.containers.pause(host, id, principal);
  }

  /** `docker unpause`. */
  @Post('unpause')
  @HttpCode(204)
  @RequireRole('operator')
  @ApiProblems({ 403: ['POLICY_DENIED'] })
  unpauseContainer(
    @Param('host') host: string,
    @Param('id', ContainerRefPipe) id: string,
    @CurrentPrincipal() principal: Principal | undefined,
  ): Promise<void> {
    return this.containers.unpause(host, id, principal);
  }
}
