import { Controller, Delete, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { RequireRole, roleAllows } from '../common/access.decorators.js';
import { ApiProblems } from '../common/openapi.js';
import { CurrentPrincipal, Principal } from '../common/principal.js';
import { ProblemException } from '../common/problem.js';
import { redactsFor } from '../common/redaction.js';
import { AppConfig } from '../config/app-config.js';
import { redactJob, redactJobEvent } from './job-events.js';
import { JobDto, JobEventPageDto, JobEventsQueryDto, JobPageDto, JobsQueryDto } from './dto/job.dto.js';
import { JobAccess } from './job-access.js';
import { JobsQueries } from './jobs.queries.js';
import { JobsService, jobNotFound } from './jobs.service.js';

const uuid = new ParseUUIDPipe({ version: '4', exceptionFactory: () => jobNotFound('with that id') });

/** Long work (pull, push, build, import) and its progress. Every user may read every job of the hosts they may see. */
@ApiTags('jobs')
@Controller('api/v1/jobs')
export class JobsController {
  constructor(
    private readonly jobs: JobsService,
    private readonly queries: JobsQueries,
    private readonly config: AppConfig,
    private readonly access: JobAccess,
  ) {}

  /** Jobs, newest first: filtered by kind, status, host, or the caller's own (`mine=true`). */
  @Get()
  @RequireRole('viewer')
  listJobs(@Query() query: JobsQueryDto, @CurrentPrincipal() principal: Principal | undefined): Promise<JobPageDto> {
    return this.queries.list(query, principal);
  }

  /** One job: its status and progress. */
  @Get(':id')
  @RequireRole('viewer')
  @ApiProblems({ 404: ['JOB_NOT_FOUND'] })
  async getJob(@Param('id', uuid) id: string, @CurrentPrincipal() caller: Principal): Promise<JobDto> {
    const { job, principal } = await this.access.open(caller, id);
    return redactsFor(this.config.viewerRedaction, principal.role) ? redactJob(job) : job;
  }

  /** The job's log, oldest first: status changes, progress and output lines (per job at most 10 000 events and 8 MiB of output lines are kept). */
  @Get(':id/events')
  @RequireRole('viewer')
  @ApiProblems({ 404: ['JOB_NOT_FOUND'] })
  async listJobEvents(
    @Param('id', uuid) id: string,
    @Query() query: JobEventsQueryDto,
    @CurrentPrincipal() caller: Principal,
  ): Promise<JobEventPageDto> {
    // Redacted by the caller's role on the job's host.
    const { principal } = await this.access.open(caller, id);
    const page = await this.jobs.events(id, query.cursor ?? 0, query.limit ?? 200);
    return redactsFor(this.config.viewerRedaction, principal.role) ? { ...page, items: page.items.map(redactJobEvent) } : page;
  }

  /**
   * Cancels a queued or running job (aborts its engine request): answers it `canceled`. A finished
   * job is answered as it is. Needs operator on the job's host (the global role alone does not decide: a viewer
   * granted operator there cancels their job); another user's job: admin there.
   */
  @Delete(':id')
  @RequireRole('viewer')
  @ApiProblems({ 404: ['JOB_NOT_FOUND'] })
  async cancelJob(@Param('id', uuid) id: string, @CurrentPrincipal() caller: Principal): Promise<JobDto> {
    const { job, principal } = await this.access.open(caller, id);
    if (!roleAllows(principal.role, 'operator')) {
      throw new ProblemException(
        403,
        'FORBIDDEN',
        `This needs the role 'operator' on host '${job.host}'; the credential has '${principal.role}'.`,
      );
    }
    if (job.createdBy !== principal.userId && !roleAllows(principal.role, 'admin')) {
      throw new ProblemException(403, 'FORBIDDEN', "only an admin may cancel another user's job");
    }
    return this.jobs.cancel(id);
  }
}
