import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { DockerModule } from '../docker/docker.module.js';
import { RegistriesModule } from '../registries/registries.module.js';
import { RevocationsModule } from '../revocations/revocations.module.js';
import { HostsController } from './hosts.controller.js';
import { HostsRepository } from './hosts.repository.js';
import { HostsService } from './hosts.service.js';

/** Host records (`/api/v1/hosts`) and the engines built from them in DockerHosts; keys sealed with the registries' SecretBox. */
@Module({
  imports: [DockerModule, AuthModule, RegistriesModule, RevocationsModule],
  controllers: [HostsController],
  providers: [HostsRepository, HostsService],
})
export class HostsModule {}
