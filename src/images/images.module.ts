import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { ContainersModule } from '../containers/containers.module.js';
import { DockerModule } from '../docker/docker.module.js';
import { RegistriesModule } from '../registries/registries.module.js';
import { JobsModule } from '../jobs/jobs.module.js';
import { closeAfterUpload } from './build-context.js';
import { ImageBuildService } from './image-build.service.js';
import { ImagesBuildController } from './images-build.controller.js';
import { ImagesManageController } from './images-manage.controller.js';
import { ImagesPullController } from './images-pull.controller.js';
import { ImagesPullService } from './images-pull.service.js';
import { ImagesPushController } from './images-push.controller.js';
import { ImagesTransferController } from './images-transfer.controller.js';
import { ImagesController } from './images.controller.js';
import { ImagesService } from './images.service.js';

@Module({
  imports: [DockerModule, ContainersModule, JobsModule, RegistriesModule],
  // The reads (`GET /images/{ref}`) come last: the fixed paths (pull, build, import) are matched first.
  controllers: [
    ImagesPullController,
    ImagesBuildController,
    ImagesPushController,
    ImagesTransferController,
    ImagesManageController,
    ImagesController,
  ],
  providers: [ImagesPullService, ImageBuildService, ImagesService],
  exports: [ImagesService],
})
export class ImagesModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(closeAfterUpload).forRoutes({ path: 'api/v1/hosts/:host/images/build', method: RequestMethod.POST });
  }
}
