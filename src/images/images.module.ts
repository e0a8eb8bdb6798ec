import { Module } from '@nestjs/common';
import { ContainersModule } from '../containers/containers.module.js';
import { DockerModule } from '../docker/docker.module.js';
import { JobsModule } from '../jobs/jobs.module.js';
import { ImagesPullController } from './images-pull.controller.js';
import { ImagesPullService } from './images-pull.service.js';

@Module({
  imports: [DockerModule, ContainersModule, JobsModule],
  controllers: [ImagesPullController],
  providers: [ImagesPullService],
})
export class ImagesModule {}
