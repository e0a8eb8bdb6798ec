import { Module } from '@nestjs/common';
import { BerthContainer } from './berth-container.js';
import { BindWatcher } from './bind-watcher.js';
import { ContainerLifecycleController } from './container-lifecycle.controller.js';
import { ContainerRuntimeController } from './container-runtime.controller.js';
import { ContainersController } from './containers.controller.js';
import { ContainersService } from './containers.service.js';
import { HostPaths, LocalHostPaths } from './host-paths.js';
import { MountFacts } from './mount-facts.js';

@Module({
  controllers: [ContainersController, ContainerLifecycleController, ContainerRuntimeController],
  providers: [ContainersService, MountFacts, BerthContainer, BindWatcher, { provide: HostPaths, useClass: LocalHostPaths }],
})
export class ContainersModule {}
