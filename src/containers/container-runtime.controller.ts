import { Body, Controller, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiProduces, ApiResponse, ApiTags, getSchemaPath, ApiExtraModels } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { pipeline } from 'node:stream/promises';
import { RequireRole } from '../common/access.decorators.js';
import { ApiHostRoute, ApiProblems } from '../common/openapi.js';
import { CurrentPrincipal, Principal } from '../common/principal.js';
import { ProblemException } from '../common/problem.js';
import { LogLineParser } from '../docker/log-lines.js';
import { ContainerRefPipe } from './container-ref.pipe.js';
import { ContainersService } from './containers.service.js';
import { ContainerTopDto, ExecDto, ExecResultDto } from './dto/container-actions.dto.js';
import { LogsQueryDto, TopQueryDto } from './dto/container-query.dto.js';
import { ContainerStatsDto } from '../stats/container-stats.dto.js';
import { LogLineDto } from './dto/log-line.dto.js';
import { LOG_CONTENT_TYPES, LogFormat, LogLineFormatter } from './log-formats.js';

const FORMAT_BY_TYPE: Record<string, LogFormat> = {
  'application/json': 'json',
  'application/x-ndjson': 'ndjson',
  'text/plain': 'text',
};

/** What runs inside a container: processes, resource use, logs, one-shot commands. */
@ApiTags('containers')
@ApiHostRoute()
@Controller('api/v1/hosts/:host/containers/:id')
export class ContainerRuntimeController {
  constructor(private readonly containers: ContainersService) {}

  /**
   * `docker top`: the container's processes as `ps` on the host shows them. Viewers may pass only
   * `ps` options that show no process environment (403 otherwise, see BERTH_VIEWER_REDACTION).
   */
  @Get('top')
  @RequireRole('viewer')
  @ApiProblems(409)
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
  @ApiExtraModels(LogLineDto)
  @ApiProduces('application/json', 'application/x-ndjson', 'text/plain')
  @ApiOkResponse({
    description: 'The log lines',
    content: {
      'application/json': { schema: { type: 'array', items: { $ref: getSchemaPath(LogLineDto) } } },
      'application/x-ndjson': { schema: { $ref: getSchemaPath(LogLineDto) } },
      'text/plain': { schema: { type: 'string' } },
    },
  })
  @ApiResponse({ status: 406, description: 'None of the accepted types is offered' })
  async getContainerLogs(
    @Param('host') host: string,
    @Param('id', ContainerRefPipe) id: string,
    @Query() query: LogsQueryDto,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    const type = request.accepts(Object.keys(FORMAT_BY_TYPE));
    if (!type) throw new ProblemException(406, 'NOT_ACCEPTABLE', `Logs come as ${Object.keys(FORMAT_BY_TYPE).join(', ')}.`);
    const format = FORMAT_BY_TYPE[type];
    const snapshot = await this.containers.logs(host, id, query);
    response.status(200).setHeader('Content-Type', LOG_CONTENT_TYPES[format]);
    response.setHeader('Cache-Control', 'no-store');
    if (format === 'text') response.setHeader('Content-Disposition', `attachment; filename="${snapshot.containerName}-logs.txt"`);
    // Each stage waits for the next one to drain: a slow client pauses the engine, nothing piles up here.
    await pipeline(
      snapshot.stream,
      new LogLineParser({ tty: snapshot.tty, timestamps: snapshot.timestamps }),
      new LogLineFormatter(format),
      response,
    ).catch(() => {
      // Headers are out; a broken engine stream or a client that left can only end the response.
      snapshot.stream.destroy();
      response.destroy();
    });
  }

  /**
   * Runs a command to its end, without a TTY, and answers its exit code and output: for bots.
   * Each stream is capped (the rest is dropped, `truncated: true`); past `timeoutMs` the command is killed.
   * A container the create policy would deny (binds, socket, privileges, host namespaces...) is for admins only (403 POLICY_DENIED).
   */
  @Post('exec')
  @HttpCode(200)
  @RequireRole('operator')
  @ApiProblems(409)
  execInContainer(
    @Param('host') host: string,
    @Param('id', ContainerRefPipe) id: string,
    @Body() body: ExecDto,
    @CurrentPrincipal() principal: Principal | undefined,
  ): Promise<ExecResultDto> {
    return this.containers.exec(host, id, body, principal);
  }
}
