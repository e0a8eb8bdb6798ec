import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { RequireRole } from '../common/access.decorators.js';
import { ApiHostRoute, ApiProblems } from '../common/openapi.js';
import { CurrentPrincipal, Principal } from '../common/principal.js';
import { ApiLogSnapshot, sendLogs } from '../containers/log-formats.js';
import { Idempotent } from '../idempotency/idempotent.decorator.js';
import { JobDto, WaitQueryDto } from '../jobs/dto/job.dto.js';
import { ApiJobAnswer, answerJob } from '../jobs/job-answer.js';
import { JobRunner } from '../jobs/job-types.js';
import { ServiceCreateDto, ServiceScaleDto, ServiceUpdateDto, WEB_SERVICE_EXAMPLE } from './dto/service-create.dto.js';
import {
  ServiceCreatedDto,
  ServiceInspectDto,
  ServiceListQueryDto,
  ServiceLogsQueryDto,
  ServicePageDto,
  WEB_SERVICE_CREATED_EXAMPLE,
} from './dto/service.dto.js';
import { ApiServiceRoute, ServiceRefPipe } from './service-ref.pipe.js';
import { SwarmServicesService } from './swarm-services.service.js';

const ROLLOUT_RESULT = { service: '9ye6xwpyczmb4d2k1m3zq8v7r', name: 'web', runningTasks: 3, desiredTasks: 3 };

/** Swarm services of a manager host (409 SWARM_NOT_ACTIVE or NOT_A_SWARM_MANAGER elsewhere): `docker service ...`. */
@ApiTags('services')
@ApiHostRoute()
@ApiProblems({ 409: ['SWARM_NOT_ACTIVE', 'NOT_A_SWARM_MANAGER'] })
@Controller('api/v1/hosts/:host/services')
export class SwarmServicesController {
  constructor(
    private readonly services: SwarmServicesService,
    private readonly jobs: JobRunner,
  ) {}

  /** `docker service ls`, by name, paged; with the tasks running and desired per service. */
  @Get()
  @RequireRole('viewer')
  listServices(@Param('host') host: string, @Query() query: ServiceListQueryDto): Promise<ServicePageDto> {
    return this.services.list(host, query);
  }

  /**
   * `docker service create` from an image, replicated or global. Mounts, networks and capabilities go through the
   * create policy as a container's do: binds are an admin's (the orchestrator starts tasks without Berth's check),
   * and so are `host` networks and added capabilities (403 POLICY_DENIED names the rules).
   */
  @Post()
  @Idempotent()
  @RequireRole('operator')
  @ApiBody({ type: ServiceCreateDto, examples: { web: { summary: 'Two nginx replicas on port 8080', value: WEB_SERVICE_EXAMPLE } } })
  @ApiCreatedResponse({ type: ServiceCreatedDto, example: WEB_SERVICE_CREATED_EXAMPLE })
  @ApiProblems({
    403: ['POLICY_DENIED'],
    409: ['NAME_CONFLICT'],
    400: ['ENGINE_REJECTED', 'FEATURE_UNSUPPORTED'],
    502: ['REGISTRY_AUTH_FAILED'],
  })
  createService(
    @Param('host') host: string,
    @Body() body: ServiceCreateDto,
    @CurrentPrincipal() principal: Principal | undefined,
  ): Promise<ServiceCreatedDto> {
    return this.services.create(host, body, principal);
  }

  /** `docker service inspect` with `docker service ps`: the spec in Berth's terms and the tasks, newest first. */
  @Get(':id')
  @RequireRole('viewer')
  @ApiServiceRoute()
  inspectService(
    @Param('host') host: string,
    @Param('id', ServiceRefPipe) id: string,
    @CurrentPrincipal() principal: Principal | undefined,
  ): Promise<ServiceInspectDto> {
    return this.services.inspect(host, id, principal);
  }

  /**
   * `docker service update` as a job (kind `service-update`): each field given replaces that part of the spec, at once
   * (400, 403, 409 come back here); the job then follows the rolling update until the tasks at the new spec run
   * (succeeded), or the engine paused or rolled it back (failed, with the engine's message). The resulting spec goes
   * through the create policy.
   */
  @Patch(':id')
  @Idempotent()
  @RequireRole('operator')
  @ApiServiceRoute()
  @ApiBody({
    type: ServiceUpdateDto,
    examples: {
      image: { summary: 'A new image, rolled out', value: { image: 'nginx:1.28' } },
      env: { summary: 'Other environment', value: { env: ['GREETING=bonjour'] } },
    },
  })
  @ApiJobAnswer(JobDto, { kind: 'service-update', target: 'web', result: { ...ROLLOUT_RESULT, updateState: 'completed' } })
  @ApiProblems({
    403: ['POLICY_DENIED'],
    409: ['SWARM_UPDATE_OUT_OF_SEQUENCE'],
    400: ['ENGINE_REJECTED', 'FEATURE_UNSUPPORTED'],
    429: ['TOO_MANY_JOBS'],
  })
  async updateService(
    @Param('host') host: string,
    @Param('id', ServiceRefPipe) id: string,
    @Body() body: ServiceUpdateDto,
    @Query() query: WaitQueryDto,
    @CurrentPrincipal() principal: Principal | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<JobDto> {
    return answerJob(response, this.jobs, await this.services.update(host, id, body, principal), query.wait);
  }

  /** `docker service scale` as a job (kind `service-update`) that ends when as many tasks run as asked for. */
  @Post(':id/scale')
  @Idempotent()
  @RequireRole('operator')
  @ApiServiceRoute()
  @ApiJobAnswer(JobDto, { kind: 'service-update', target: 'web', result: { ...ROLLOUT_RESULT, updateState: null } })
  @ApiProblems({ 403: ['POLICY_DENIED'], 409: ['SWARM_UPDATE_OUT_OF_SEQUENCE'], 429: ['TOO_MANY_JOBS'] })
  async scaleService(
    @Param('host') host: string,
    @Param('id', ServiceRefPipe) id: string,
    @Body() body: ServiceScaleDto,
    @Query() query: WaitQueryDto,
    @CurrentPrincipal() principal: Principal | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<JobDto> {
    return answerJob(response, this.jobs, await this.services.update(host, id, { replicas: body.replicas }, principal), query.wait);
  }

  /**
   * `docker service rollback` as a job (kind `service-rollback`): the engine goes back to the previous spec (which
   * goes through the create policy); the job ends when the tasks at it run. 409 SERVICE_NO_PREVIOUS_SPEC without one.
   */
  @Post(':id/rollback')
  @Idempotent()
  @RequireRole('operator')
  @ApiServiceRoute()
  @ApiJobAnswer(JobDto, { kind: 'service-rollback', target: 'web', result: { ...ROLLOUT_RESULT, updateState: 'rollback_completed' } })
  @ApiProblems({ 403: ['POLICY_DENIED'], 409: ['SERVICE_NO_PREVIOUS_SPEC', 'SWARM_UPDATE_OUT_OF_SEQUENCE'], 429: ['TOO_MANY_JOBS'] })
  async rollbackService(
    @Param('host') host: string,
    @Param('id', ServiceRefPipe) id: string,
    @Query() query: WaitQueryDto,
    @CurrentPrincipal() principal: Principal | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<JobDto> {
    return answerJob(response, this.jobs, await this.services.rollback(host, id, principal), query.wait);
  }

  /** `docker service rm`: its tasks stop and go away (the engine does that after the answer). */
  @Delete(':id')
  @HttpCode(204)
  @RequireRole('operator')
  @ApiServiceRoute()
  removeService(@Param('host') host: string, @Param('id', ServiceRefPipe) id: string): Promise<void> {
    return this.services.remove(host, id);
  }

  /**
   * `docker service logs` as a snapshot, streamed as a container's log is: every task's lines, a JSON array by
   * default, NDJSON or text on request. No `until`: the engine takes none for a service. Followed: `/api/v1/ws/service-logs`.
   */
  @Get(':id/logs')
  @RequireRole('viewer')
  @ApiServiceRoute()
  @ApiLogSnapshot('service')
  getServiceLogs(
    @Param('host') host: string,
    @Param('id', ServiceRefPipe) id: string,
    @Query() query: ServiceLogsQueryDto,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    return sendLogs(request, response, () => this.services.logs(host, id, query));
  }
}
