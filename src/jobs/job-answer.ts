import { HttpCode, applyDecorators } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, DECORATORS } from '@nestjs/swagger';
import type { Response } from 'express';
import { JobDto } from './dto/job.dto.js';
import type { JobKind, JobRunner, JobView } from './job-types.js';

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

/** What a route's job is about, for its documented answers: the job running (202) and succeeded with `result` (200). */
export interface JobAnswerExample {
  kind: JobKind;
  target: string;
  result: object;
}

/** The 202 and 200 examples of a job route: the same job, running, then succeeded. */
export function jobAnswerExamples({ kind, target, result }: JobAnswerExample): { running: object; succeeded: object } {
  const job = {
    id: '7c0d2b5e-91f4-4a8e-b3d6-5e2a9c41f08d',
    kind,
    host: 'local',
    target,
    createdBy: '3f2c8e1a-5b7d-4c9e-a0f1-6d8b2e4c7a90',
    createdAt: '2026-11-26T17:05:02.118Z',
    startedAt: '2026-11-26T17:05:02.131Z',
    error: null,
  };
  return {
    running: {
      ...job,
      status: 'running',
      progress: { percent: null, currentBytes: 0, totalBytes: null, layers: [] },
      result: null,
      finishedAt: null,
    },
    succeeded: {
      ...job,
      status: 'succeeded',
      progress: { percent: 100, currentBytes: 2221530, totalBytes: 2221530, layers: [] },
      result,
      finishedAt: '2026-11-26T17:05:04.870Z',
    },
  };
}

/**
 * Documents a route that starts a job: 202 at once, or 200 with `?wait=true`; `type` a JobDto whose `result` is the feature's,
 * `example` what the job is about (without it, the answers' examples are JobDto's property examples: a pull).
 */
export const ApiJobAnswer = (type: typeof JobDto = JobDto, example?: JobAnswerExample) => {
  const examples = example && jobAnswerExamples(example);
  return applyDecorators(
    NotCreated(),
    HttpCode(202),
    ApiAcceptedResponse({
      type,
      description: 'The job, started (or queued)',
      headers: { Location: { description: 'The job: `/api/v1/jobs/{id}`', schema: { type: 'string' } } },
      ...(examples && { example: examples.running }),
    }),
    ApiOkResponse({
      type,
      description: 'With `?wait=true`: the finished job (succeeded, failed or canceled)',
      ...(examples && { example: examples.succeeded }),
    }),
  );
};
