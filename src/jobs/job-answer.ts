import { HttpCode, applyDecorators } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, DECORATORS } from '@nestjs/swagger';
import type { Response } from 'express';
import { JobDto } from './dto/job.dto.js';
import type { JobRunner, JobView } from './job-types.js';

/**
 * How a route that starts a job answers: 202 with the job and its `Location` at once, or, with
 * `?wait=true`, 200 with the job once it has finished (bots). Use with `@Res({ passthrough: true })`.
 */
export async function answerJob(response: Response, runner: JobRunner, job: JobView, wait = false): Promise<JobView> {
  response.setHeader('Location', `/api/v1/jobs/${job.id}`);
  if (!wait) {
    response.status(202);
    return job;
  }
  const finished = await runner.finished(job.id);
  response.status(200);
  return finished;
}

/** The swagger plugin documents every POST as 201 Created; a route that starts a job never answers that. */
const NotCreated = (): MethodDecorator => (_target, _key, descriptor) => {
  const { 201: _created, ...responses } = (Reflect.getMetadata(DECORATORS.API_RESPONSE, descriptor.value as object) ?? {}) as Record<
    string,
    unknown
  >;
  Reflect.defineMetadata(DECORATORS.API_RESPONSE, responses, descriptor.value as object);
};

/** Documents a route that starts a job: 202 at once, or 200 with `?wait=true`; `type` a JobDto whose `result` is the feature's. */
export const ApiJobAnswer = (type: typeof JobDto = JobDto) =>
  applyDecorators(
    NotCreated(),
    HttpCode(202),
    ApiAcceptedResponse({
      type,
      description: 'The job, started (or queued)',
      headers: { Location: { description: 'The job: `/api/v1/jobs/{id}`', schema: { type: 'string' } } },
    }),
    ApiOkResponse({ type, description: 'With `?wait=true`: the finished job (succeeded, failed or canceled)' }),
  );
