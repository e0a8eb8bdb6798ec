import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { ContainersModule } from '../containers/containers.module.js';
import { DockerModule } from '../docker/docker.module.js';
import { NetworksController } from './networks.controller.js';
import { NetworksService } from './networks.service.js';

@Module({ imports: [DockerModule, AuditModule, ContainersModule], controllers: [NetworksController], providers: [NetworksService] })
export class NetworksModule {}
