import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { ContainersModule } from '../containers/containers.module.js';
import { DockerModule } from '../docker/docker.module.js';
import { JobsModule } from '../jobs/jobs.module.js';
import { closeAfterUpload } from './build-context.js';
import { ImageBuildService } from './image-build.service.js';
import { ImagesBuildController } from './images-build.controller.js';
import { ImagesPullController } from './images-pull.controller.js';
import { ImagesPullService } from './images-pull.service.js';
import { ImagesPushController } from './images-push.controller.js';

@Module({
  imports: [DockerModule, ContainersModule, JobsModule],
  controllers: [ImagesPullController, ImagesBuildController, ImagesPushController],
  providers: [ImagesPullService, ImageBuildService],
})
export class ImagesModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(closeAfterUpload).forRoutes({ path: 'api/v1/hosts/:host/images/build', method: RequestMethod.POST });
  }
}
