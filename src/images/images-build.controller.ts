import { Controller, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiExtraModels, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { auditContext } from '../audit/audit-context.js';
import { RequireRole } from '../common/access.decorators.js';
import { ApiHostRoute, ApiProblems } from '../common/openapi.js';
import { CurrentPrincipal, Principal } from '../common/principal.js';
import { createValidationPipe } from '../common/validation.js';
import { ProblemException } from '../common/problem.js';
import { ApiJobAnswer, answerJob } from '../jobs/job-answer.js';
import { JobDto } from '../jobs/dto/job.dto.js';
import { JobRunner, type JobView } from '../jobs/job-types.js';
import { ImageBuildDto, ImageBuildQueryDto, WEB_IMAGE_BUILD_EXAMPLE } from './dto/image-build.dto.js';
import { ImageBuildService } from './image-build.service.js';
import { Idempotent } from '../idempotency/idempotent.decorator.js';

/** The JSON build's body goes through the same pipe as any DTO: it is checked only when the request is JSON. */
const bodyPipe = createValidationPipe();

@ApiTags('images')
@ApiHostRoute()
@ApiExtraModels(ImageBuildDto)
@Controller('api/v1/hosts/:host/images')
export class ImagesBuildController {
  constructor(
    private readonly builds: ImageBuildService,
    private readonly jobs: JobRunner,
  ) {}

  /**
   * `docker build` (classic builder) as a job: a tar or tar.gz context (`application/x-tar`,
   * `application/gzip`, options as query parameters, at least one `tag`), or JSON (a Dockerfile,
   * small files and the options). 202 with the job and its `Location`, or the finished job with
   * `?wait=true`. Moving a tag a policy exception runs on is admin only.
   */
  @Post('build')
  @Idempotent()
  @HttpCode(202)
  @ApiJobAnswer(JobDto, {
    kind: 'build',
    target: 'localhost:5001/team/app:1.0',
    result: { id: 'sha256:9ae97d36d26566ff84e8893c64a6dc4fe8ca6d1144bf5b87b2b85a32def253c7', tags: ['localhost:5001/team/app:1.0'] },
  })
  @RequireRole('operator')
  @ApiConsumes('application/x-tar', 'application/gzip', 'application/json')
  @ApiBody({
    schema: {
      oneOf: [
        { type: 'string', format: 'binary', description: 'The build context (tar or tar.gz)' },
        { $ref: getSchemaPath(ImageBuildDto) },
      ],
    },
    examples: { web: { summary: 'JSON: a web server image from a Dockerfile and one file', value: WEB_IMAGE_BUILD_EXAMPLE } },
  })
  @ApiProblems({ 403: ['POLICY_DENIED'], 413: ['PAYLOAD_TOO_LARGE'], 415: ['UNSUPPORTED_MEDIA_TYPE'], 429: ['TOO_MANY_JOBS'] })
  async buildImage(
    @Param('host') host: string,
    @Query() query: ImageBuildQueryDto,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
    @CurrentPrincipal() principal: Principal | undefined,
  ): Promise<JobDto> {
    const mediaType = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    let job: JobView;
    let tags = query.tag ?? [];
    if (mediaType === 'application/json') {
      const options = Object.keys(query).filter((key) => key !== 'wait');
      if (options.length > 0) {
        throw new ProblemException(400, 'VALIDATION_FAILED', 'A build from JSON takes its options in the body.', {
          errors: options.map((field) => ({ field, message: 'goes in the JSON body' })),
        });
      }
      const dto = (await bodyPipe.transform(request.body, { type: 'body', metatype: ImageBuildDto })) as ImageBuildDto;
      job = await this.builds.buildFromJson(host, dto, principal);
      tags = dto.tags;
    } else {
      const length = Number(request.headers['content-length']);
      job = await this.builds.buildFromUpload(
        host,
        { contentType: mediaType, contentLength: Number.isFinite(length) ? length : undefined, body: request },
        query,
        principal,
      );
    }
    // The audit names the image: every tag the build writes.
    auditContext(request).targets.push(...tags);
    return answerJob(response, this.jobs, job, query.wait ?? false);
  }
}
