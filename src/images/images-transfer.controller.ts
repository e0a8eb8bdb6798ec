import { Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { auditContext } from '../audit/audit-context.js';
import { RequireRole } from '../common/access.decorators.js';
import { ApiHostRoute, ApiProblems } from '../common/openapi.js';
import { parseImageReference } from '../docker/image-ref.js';
import { CurrentPrincipal, Principal } from '../common/principal.js';
import { JobDto, WaitQueryDto } from '../jobs/dto/job.dto.js';
import { ApiJobAnswer, answerJob } from '../jobs/job-answer.js';
import { JobRunner } from '../jobs/job-types.js';
import { ImageExportQueryDto } from './dto/image-query.dto.js';
import { bodyRead, contentLength, requireTarBody, sendTar } from './image-transfer.js';
import { ApiImageRef } from './images.controller.js';
import { ImageRefPipe } from './image-ref.pipe.js';
import { ImagesService } from './images.service.js';

/** `docker save` and `docker load`, streamed end to end: memory does not grow with the image. */
@ApiTags('images')
@ApiHostRoute()
@Controller('api/v1/hosts/:host/images')
export class ImagesTransferController {
  constructor(
    private readonly images: ImagesService,
    private readonly jobs: JobRunner,
  ) {}

  /**
   * `docker save`: the image as a tar download (`application/x-tar`), streamed as the engine writes it.
   * More images go in the same tar with `?ref=` (repeatable, same grammar as `{ref}`). Operator: it hands out the image's content.
   */
  @Get(':ref/export')
  @RequireRole('operator')
  @ApiImageRef()
  @ApiProduces('application/x-tar')
  @ApiOkResponse({
    description: 'The images as `docker save` writes them',
    content: { 'application/x-tar': { schema: { type: 'string', format: 'binary' } } },
    headers: { 'Content-Disposition': { description: '`attachment; filename="<image>.tar"`.', schema: { type: 'string' } } },
  })
  async exportImage(
    @Param('host') host: string,
    @Param('ref', ImageRefPipe) ref: string,
    @Query() query: ImageExportQueryDto,
    @Res() response: Response,
  ): Promise<void> {
    const refs = [ref, ...(query.ref ?? []).map((more) => parseImageReference(more, 'ref').ref)];
    await sendTar(response, refs, (signal) => this.images.export(host, refs, signal));
  }

  /**
   * `docker load` as a job (kind `import`): the `application/x-tar` body (as `docker save` writes it, uncompressed) is
   * spooled to a private file (never held in memory; over `BERTH_IMPORT_MAX_BYTES`: 413), the tags its `manifest.json` and
   * `repositories` name are checked like any tag move (a tag a policy exception runs: admin only, else 403 POLICY_DENIED and
   * nothing loaded), then it is streamed into the engine. Answers 202 with the job and its `Location`, or with `?wait=true`
   * the finished job, whose `result.loaded` lists the references loaded.
   */
  @Post('import')
  @RequireRole('operator')
  @ApiConsumes('application/x-tar')
  @ApiBody({ schema: { type: 'string', format: 'binary' } })
  @ApiJobAnswer(JobDto, { kind: 'import', target: 'docker load', result: { loaded: ['localhost:5001/team/app:1.0'] } })
  @ApiProblems({ 403: ['POLICY_DENIED'], 413: ['PAYLOAD_TOO_LARGE'], 415: ['UNSUPPORTED_MEDIA_TYPE'], 429: ['TOO_MANY_JOBS'] })
  async importImages(
    @Param('host') host: string,
    @Query() query: WaitQueryDto,
    @CurrentPrincipal() principal: Principal | undefined,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<JobDto> {
    requireTarBody(request);
    const job = await this.images.import(host, request, contentLength(request), principal);
    // A job that ended early (canceled, refused) leaves the body unread: answer then, and node drops the rest.
    await Promise.race([bodyRead(request), this.jobs.finished(job.id)]);
    const answer = await answerJob(response, this.jobs, job, query.wait);
    const loaded = (answer.result as { loaded?: unknown } | null)?.loaded;
    if (Array.isArray(loaded)) auditContext(request).targets.push(...loaded.filter((ref): ref is string => typeof ref === 'string'));
    return answer;
  }
}
