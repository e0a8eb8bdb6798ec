import { Body, Controller, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBody, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { RequireRole } from '../common/access.decorators.js';
import { ApiHostRoute, ApiProblems } from '../common/openapi.js';
import { CurrentPrincipal, Principal } from '../common/principal.js';
import { JobDto, WaitQueryDto } from '../jobs/dto/job.dto.js';
import { ApiJobAnswer, answerJob } from '../jobs/job-answer.js';
import { JobRunner } from '../jobs/job-types.js';
import { ImagePullDto } from './dto/images-pull.dto.js';
import { ImagesPullService } from './images-pull.service.js';
import { Idempotent } from '../idempotency/idempotent.decorator.js';

@ApiTags('images')
@ApiHostRoute()
@Controller('api/v1/hosts/:host/images')
export class ImagesPullController {
  constructor(
    private readonly pulls: ImagesPullService,
    private readonly jobs: JobRunner,
  ) {}

  /**
   * `docker pull` as a job (kind `pull`): 202 with the job and its `Location`, or with `?wait=true`
   * the finished job. A reference without tag or digest pulls `latest`. An identical pull already
   * running on the host answers that job. The registry's refusal (missing tag, credentials) fails
   * the job with the registry's message. Replacing a tag a policy exception runs: admin only (403 POLICY_DENIED).
   */
  @Post('pull')
  @Idempotent()
  @RequireRole('operator')
  @ApiJobAnswer(JobDto, {
    kind: 'pull',
    target: 'localhost:5001/team/app:1.0',
    result: {
      image: 'localhost:5001/team/app:1.0',
      imageId: 'sha256:9ae97d36d26566ff84e8893c64a6dc4fe8ca6d1144bf5b87b2b85a32def253c7',
      repoDigests: ['localhost:5001/team/app@sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270'],
    },
  })
  @ApiBody({
    type: ImagePullDto,
    examples: {
      hub: { summary: 'From Docker Hub', value: { image: 'busybox:latest' } },
      private: {
        summary: 'From a stored registry, for one platform',
        value: { image: 'localhost:5001/team/app:1.0', platform: 'linux/amd64' },
      },
    },
  })
  @ApiProblems({ 403: ['POLICY_DENIED'], 429: ['TOO_MANY_JOBS'] })
  async pullImage(
    @Param('host') host: string,
    @Body() body: ImagePullDto,
    @Query() query: WaitQueryDto,
    @CurrentPrincipal() principal: Principal | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<JobDto> {
    const job = await this.pulls.pull(host, body, principal);
    return answerJob(response, this.jobs, job, query.wait);
  }
}
