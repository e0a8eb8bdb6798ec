import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { DockerModule } from '../docker/docker.module.js';
import { JobAccess } from './job-access.js';
import { JobRunner } from './job-types.js';
import { JobsController } from './jobs.controller.js';
import { JobsQueries } from './jobs.queries.js';
import { JobsRepository } from './jobs.repository.js';
import { JobsService } from './jobs.service.js';

/** The jobs machinery: features import this module and start work through JobRunner (answering with answerJob). */
@Module({
  imports: [AuthModule, DockerModule],
  controllers: [JobsController],
  providers: [JobsRepository, JobsService, JobsQueries, JobAccess, { provide: JobRunner, useExisting: JobsService }],
  exports: [JobRunner, JobsService, JobAccess],
})
export class JobsModule {}
