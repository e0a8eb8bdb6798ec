import { Module } from '@nestjs/common';
import { DockerModule } from '../docker/docker.module.js';
import { HealthController } from './health.controller.js';
import { SystemController } from './system.controller.js';
import { SystemService } from './system.service.js';

@Module({ imports: [DockerModule], controllers: [HealthController, SystemController], providers: [SystemService] })
export class SystemModule {}
