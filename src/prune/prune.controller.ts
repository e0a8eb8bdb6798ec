import { Body, Controller, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBody, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { auditContext } from '../audit/audit-context.js';
import { RequireRole } from '../common/access.decorators.js';
import { ApiHostRoute, ApiProblems } from '../common/openapi.js';
import { CurrentPrincipal, Principal } from '../common/principal.js';
import { WaitQueryDto } from '../jobs/dto/job.dto.js';
import { ApiJobAnswer, answerJob } from '../jobs/job-answer.js';
import { JobRunner } from '../jobs/job-types.js';
import { PruneExecuteDto, PruneOptionsDto } from './dto/prune-options.dto.js';
import { PruneJobDto, PrunePlanDto } from './dto/prune-plan.dto.js';
import { PruneDenied, PruneService } from './prune.service.js';

@ApiTags('prune')
@ApiHostRoute()
@Controller('api/v1/hosts/:host/prune')
export class PruneController {
  constructor(
    private readonly prune: PruneService,
    private readonly jobs: JobRunner,
  ) {}

  /**
   * What a prune would remove, changing nothing: stopped containers, unused networks, dangling
   * images and build cache by default (`docker system prune`), volumes only when asked. What only
   * the planned containers use is in it too. Never: anything labelled `berth.protect=true`,
   * predefined networks, images any container uses, Berth's own image. Execute it once, before
   * `expiresAt`, with `POST /prune {planId}`.
   */
  @Post('plan')
  @RequireRole('viewer')
  @ApiBody({
    type: PruneOptionsDto,
    examples: {
      system: { summary: "docker system prune's defaults, for what is older than a day", value: { until: '24h' } },
      app: {
        summary: "One app's leftovers, images and anonymous volumes included",
        value: { images: 'all', volumes: 'anonymous', labels: ['com.example.app=web'] },
      },
    },
  })
  planPrune(
    @Param('host') host: string,
    @Body() body: PruneOptionsDto,
    @CurrentPrincipal() principal: Principal | undefined,
  ): Promise<PrunePlanDto> {
    return this.prune.plan(host, body, principal);
  }

  /**
   * Executes a plan (`{planId}`: its items still eligible, each checked again just before it goes),
   * or plans the options and executes them in one call. A job (kind `prune`): 202 with the job, or
   * with `?wait=true` the finished job, whose `result` is the report: per item
   * `removed`, `skipped` (with why) or `failed`, and the bytes reclaimed. One execution at a time per
   * host. A plan with volumes needs `admin` (403). Someone else's plan: 404 `PLAN_NOT_FOUND`;
   * executed already: 409 `PLAN_ALREADY_USED`; too old: 410 `PLAN_EXPIRED`.
   */
  @Post()
  @RequireRole('operator')
  // No running example: `result: null` fails PruneJobDto's schema (nullable next to allOf); its property examples show the report.
  @ApiJobAnswer(PruneJobDto)
  @ApiBody({
    type: PruneExecuteDto,
    examples: {
      plan: { summary: 'The plan from POST /prune/plan', value: { planId: '3f0c2a9e-5b7d-4c1e-9a8b-2d6f1e0c7b55' } },
      now: { summary: 'Plan and execute at once: stopped containers only', value: { images: 'none', networks: false, buildCache: false } },
    },
  })
  @ApiProblems({ 404: ['PLAN_NOT_FOUND'], 409: ['PLAN_ALREADY_USED'], 410: ['PLAN_EXPIRED'], 429: ['TOO_MANY_JOBS'] })
  async executePrune(
    @Param('host') host: string,
    @Body() body: PruneExecuteDto,
    @Query() query: WaitQueryDto,
    @CurrentPrincipal() principal: Principal | undefined,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<PruneJobDto> {
    if (body.planId) auditContext(request).targets.push(body.planId);
    try {
      const job = await this.prune.execute(host, body, principal);
      return (await answerJob(response, this.jobs, job, query.wait)) as PruneJobDto;
    } catch (error) {
      if (error instanceof PruneDenied) auditContext(request).details.denied = error.why;
      throw error;
    }
  }
}
