import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { AuthModule } from '../auth/auth.module.js';
import { ContainersModule } from '../containers/containers.module.js';
import { DockerModule } from '../docker/docker.module.js';
import { JobsModule } from '../jobs/jobs.module.js';
import { RegistriesModule } from '../registries/registries.module.js';
import { SwarmServicesController } from './swarm-services.controller.js';
import { SwarmServicesService } from './swarm-services.service.js';

/** Swarm services: create through the container create policy, rollouts followed as jobs, logs. */
@Module({
  imports: [DockerModule, AuditModule, AuthModule, RegistriesModule, ContainersModule, JobsModule],
  controllers: [SwarmServicesController],
  providers: [SwarmServicesService],
})
export class SwarmServicesModule {}
