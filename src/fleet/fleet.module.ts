import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { ContainersModule } from '../containers/containers.module.js';
import { DockerModule } from '../docker/docker.module.js';
import { ImagesModule } from '../images/images.module.js';
import { VolumesModule } from '../volumes/volumes.module.js';
import { FleetController } from './fleet.controller.js';
import { FleetService } from './fleet.service.js';

/** Fleet views: the per-host lists of containers, images and volumes, across the hosts a caller can see. */
@Module({
  imports: [DockerModule, AuthModule, ContainersModule, ImagesModule, VolumesModule],
  controllers: [FleetController],
  providers: [FleetService],
})
export class FleetModule {}
