import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { AuthModule } from '../auth/auth.module.js';
import { ContainersModule } from '../containers/containers.module.js';
import { DockerModule } from '../docker/docker.module.js';
import { JobsModule } from '../jobs/jobs.module.js';
import { PruneController } from './prune.controller.js';
import { PrunePlans } from './prune-plans.js';
import { PruneService } from './prune.service.js';

@Module({
  imports: [DockerModule, AuditModule, AuthModule, ContainersModule, JobsModule],
  controllers: [PruneController],
  providers: [PruneService, PrunePlans],
})
export class PruneModule {}
