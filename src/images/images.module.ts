import { Module } from '@nestjs/common';
import { ContainersModule } from '../containers/containers.module.js';
import { DockerModule } from '../docker/docker.module.js';
import { JobsModule } from '../jobs/jobs.module.js';
import { ImageBuildService } from './image-build.service.js';
import { ImagesBuildController } from './images-build.controller.js';
import { ImagesPushController } from './images-push.controller.js';

@Module({
  imports: [DockerModule, ContainersModule, JobsModule],
  controllers: [ImagesBuildController, ImagesPushController],
  providers: [ImageBuildService],
})
export class ImagesModule {}
