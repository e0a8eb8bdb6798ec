import { Module } from '@nestjs/common';
import { ContainerLifecycleController } from './container-lifecycle.controller.js';
import { ContainerRuntimeController } from './container-runtime.controller.js';
import { ContainersController } from './containers.controller.js';
import { ContainersService } from './containers.service.js';

@Module({
  controllers: [ContainersController, ContainerLifecycleController, ContainerRuntimeController],
  providers: [ContainersService],
})
export class ContainersModule {}
