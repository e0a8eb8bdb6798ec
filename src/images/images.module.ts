import { Module } from '@nestjs/common';
import { ContainersModule } from '../containers/containers.module.js';
import { DockerModule } from '../docker/docker.module.js';
import { JobsModule } from '../jobs/jobs.module.js';
import { ImagesManageController } from './images-manage.controller.js';
import { ImagesPullController } from './images-pull.controller.js';
import { ImagesPullService } from './images-pull.service.js';
import { ImagesTransferController } from './images-transfer.controller.js';
import { ImagesController } from './images.controller.js';
import { ImagesService } from './images.service.js';

@Module({
  imports: [DockerModule, ContainersModule, JobsModule],
  controllers: [ImagesPullController, ImagesTransferController, ImagesManageController, ImagesController],
  providers: [ImagesPullService, ImagesService],
})
export class ImagesModule {}
