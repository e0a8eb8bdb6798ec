import { Module } from '@nestjs/common';
import { ContainerLifecycleController } from './container-lifecycle.controller.js';
import { ContainerPolicy } from './container-policy.js';
import { ContainerRuntimeController } from './container-runtime.controller.js';
import { ContainersController } from './containers.controller.js';
import { ContainersService } from './containers.service.js';

@Module({
  controllers: [ContainersController, ContainerLifecycleController, ContainerRuntimeController],
  providers: [ContainersService, ContainerPolicy],
  // The WebSocket exec (and later images) checks the same policy on the containers it enters.
  exports: [ContainerPolicy],
})
export class ContainersModule {}
