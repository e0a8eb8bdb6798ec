import { Module } from '@nestjs/common';
import { JobRunner } from './job-types.js';
import { JobsController } from './jobs.controller.js';
import { JobsQueries } from './jobs.queries.js';
import { JobsRepository } from './jobs.repository.js';
import { JobsService } from './jobs.service.js';

/** The jobs machinery: features import this module and start work through JobRunner (answering with answerJob). */
@Module({
  controllers: [JobsController],
  providers: [JobsRepository, JobsService, JobsQueries, { provide: JobRunner, useExisting: JobsService }],
  exports: [JobRunner, JobsService],
})
export class JobsModule {}
