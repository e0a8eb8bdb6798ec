import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { DockerModule } from '../docker/docker.module.js';
import { HealthController } from './health.controller.js';
import { SystemController } from './system.controller.js';
import { SystemService } from './system.service.js';

@Module({ imports: [DockerModule, AuthModule], controllers: [HealthController, SystemController], providers: [SystemService] })
export class SystemModule {}
