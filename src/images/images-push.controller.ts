import { Body, Controller, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBody, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { RequireRole } from '../common/access.decorators.js';
import { ApiHostRoute, ApiProblems } from '../common/openapi.js';
import { CurrentPrincipal, Principal } from '../common/principal.js';
import { ApiJobAnswer, answerJob } from '../jobs/job-answer.js';
import { JobDto, WaitQueryDto } from '../jobs/dto/job.dto.js';
import { JobRunner } from '../jobs/job-types.js';
import { ImagePushDto } from './dto/image-build.dto.js';
import { ImageBuildService } from './image-build.service.js';
import { Idempotent } from '../idempotency/idempotent.decorator.js';

@ApiTags('images')
@ApiHostRoute()
@Controller('api/v1/hosts/:host/images')
export class ImagesPushController {
  constructor(
    private readonly builds: ImageBuildService,
    private readonly jobs: JobRunner,
  ) {}

  /**
   * `docker push` of one tag as a job (a reference with `/` is sent encoded, `%2F`): `tag`
   * defaults to the reference's own, else `latest`; the engine is never asked to push every tag.
   */
  @Post(':ref/push')
  @Idempotent()
  @HttpCode(202)
  @ApiJobAnswer(JobDto, {
    kind: 'push',
    target: 'localhost:5001/team/app:1.0',
    result: { digest: 'sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270' },
  })
  @RequireRole('operator')
  @ApiBody({
    type: ImagePushDto,
    examples: {
      tag: { summary: 'One tag, with the credentials stored for its registry', value: { tag: '1.0' } },
      own: { summary: "The reference's own tag", value: {} },
    },
  })
  @ApiProblems({ 404: ['IMAGE_NOT_FOUND'], 403: ['POLICY_DENIED'], 429: ['TOO_MANY_JOBS'] })
  async pushImage(
    @Param('host') host: string,
    @Param('ref') ref: string,
    @Body() dto: ImagePushDto,
    @Query() query: WaitQueryDto,
    @Res({ passthrough: true }) response: Response,
    @CurrentPrincipal() principal: Principal | undefined,
  ): Promise<JobDto> {
    return answerJob(response, this.jobs, await this.builds.push(host, ref, dto, principal), query.wait ?? false);
  }
}
