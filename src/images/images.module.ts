import { Module } from '@nestjs/common';
import { ContainersModule } from '../containers/containers.module.js';
import { DockerModule } from '../docker/docker.module.js';
import { ImagesManageController } from './images-manage.controller.js';
import { ImagesTransferController } from './images-transfer.controller.js';
import { ImagesController } from './images.controller.js';
import { ImagesService } from './images.service.js';

@Module({
  imports: [DockerModule, ContainersModule],
  controllers: [ImagesTransferController, ImagesManageController, ImagesController],
  providers: [ImagesService],
})
export class ImagesModule {}
