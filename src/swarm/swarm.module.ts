import { Module } from '@nestjs/common';
import { DockerModule } from '../docker/docker.module.js';
import { ConfigsController } from './configs.controller.js';
import { SecretsController } from './secrets.controller.js';
import { SwarmObjectsService } from './swarm-objects.service.js';
import { SwarmController } from './swarm.controller.js';
import { SwarmService } from './swarm.service.js';

/** A manager host's swarm: status, nodes, tasks, secrets, configs (services: the services module). */
@Module({
  imports: [DockerModule],
  controllers: [SwarmController, SecretsController, ConfigsController],
  providers: [SwarmService, SwarmObjectsService],
})
export class SwarmModule {}
