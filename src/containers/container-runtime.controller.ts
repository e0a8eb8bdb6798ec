import { Body, Controller, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { RequireRole } from '../common/access.decorators.js';
import { ApiHostRoute, ApiProblems } from '../common/openapi.js';
import { CurrentPrincipal, Principal } from '../common/principal.js';
import { ApiContainerRoute, ContainerRefPipe } from './container-ref.pipe.js';
import { ContainersService } from './containers.service.js';
import { ContainerTopDto, ExecDto, ExecResultDto } from './dto/container-actions.dto.js';
import { LogsQueryDto, TopQueryDto } from './dto/container-query.dto.js';
import { ContainerStatsDto } from '../stats/container-stats.dto.js';
import { ApiLogSnapshot, sendLogs } from './log-formats.js';

/** What runs inside a container: processes, resource use, logs, one-shot commands. */
@ApiTags('containers')
@ApiHostRoute()
@ApiContainerRoute()
@Controller('api/v1/hosts/:host/containers/:id')
export class ContainerRuntimeController {
  constructor(private readonly containers: ContainersService) {}

  /**
   * `docker top`: the container's processes as `ps` on the host shows them. Viewers may pass only
   * `ps` options that show no process environment (403 otherwise, see BERTH_VIEWER_REDACTION).
   */
  @Get('top')
  @RequireRole('viewer')
  @ApiProblems({ 409: ['CONTAINER_NOT_RUNNING'], 400: ['INVALID_PS_ARGS'] })
  getContainerTop(
    @Param('host') host: string,
    @Param('id', ContainerRefPipe) id: string,
    @Query() query: TopQueryDto,
    @CurrentPrincipal() principal: Principal | undefined,
  ): Promise<ContainerTopDto> {
    return this.containers.top(host, id, query.psArgs, principal);
  }

  /** `docker stats --no-stream`: one sample (takes about a second: CPU use is a difference between two readings). */
  @Get('stats')
  @RequireRole('viewer')
  getContainerStats(@Param('host') host: string, @Param('id', ContainerRefPipe) id: string): Promise<ContainerStatsDto> {
    return this.containers.stats(host, id);
  }

  /**
   * `docker logs` as a snapshot, streamed: a JSON array of lines by default, one JSON object per line
   * with `Accept: application/x-ndjson`, or the text as a download with `Accept: text/plain`.
   * `tail` defaults to the last 1000 lines; `tail=all` streams everything.
   */
  @Get('logs')
  @RequireRole('viewer')
  @ApiLogSnapshot('container')
  getContainerLogs(
    @Param('host') host: string,
    @Param('id', ContainerRefPipe) id: string,
    @Query() query: LogsQueryDto,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    return sendLogs(request, response, () => this.containers.logs(host, id, query));
  }

  /**
   * Runs a command to its end, without a TTY, and answers its exit code and output: for bots.
   * Each stream is capped (the rest is dropped, `truncated: true`); past `timeoutMs` the command is killed, as it is
   * when the caller's access ends while it runs (key revoked, logged out...: 401, no output).
   * A container the create policy would deny (binds, socket, privileges, host namespaces...) is for admins only (403 POLICY_DENIED).
   */
  @Post('exec')
  @HttpCode(200)
  @RequireRole('operator')
  @ApiProblems({ 409: ['CONTAINER_NOT_RUNNING', 'CONTAINER_PAUSED'], 403: ['POLICY_DENIED'] })
  execInContainer(
    @Param('host') host: string,
    @Param('id', ContainerRefPipe) id: string,
    @Body() body: ExecDto,
    @CurrentPrincipal() principal: Principal | undefined,
  ): Promise<ExecResultDto> {
    return this.containers.exec(host, id, body, principal);
  }
}
