import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { DockerModule } from '../docker/docker.module.js';
import { RegistriesModule } from '../registries/registries.module.js';
import { BerthContainer } from './berth-container.js';
import { BindWatcher } from './bind-watcher.js';
import { ContainerLifecycleController } from './container-lifecycle.controller.js';
import { ContainerPolicy } from './container-policy.js';
import { ContainerRuntimeController } from './container-runtime.controller.js';
import { ContainersController } from './containers.controller.js';
import { ContainersService } from './containers.service.js';
import { HostPaths, LocalHostPaths } from './host-paths.js';
import { MountFacts } from './mount-facts.js';

@Module({
  imports: [DockerModule, AuditModule, RegistriesModule],
  controllers: [ContainersController, ContainerLifecycleController, ContainerRuntimeController],
  providers: [
    ContainersService,
    ContainerPolicy,
    MountFacts,
    BerthContainer,
    BindWatcher,
    { provide: HostPaths, useClass: LocalHostPaths },
  ],
  // The WebSocket exec (and later images) checks the same policy on the containers it enters.
  exports: [ContainerPolicy],
})
export class ContainersModule {}
