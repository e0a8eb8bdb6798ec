import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { AuthModule } from '../auth/auth.module.js';
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
  imports: [DockerModule, AuditModule, AuthModule, RegistriesModule],
  controllers: [ContainersController, ContainerLifecycleController, ContainerRuntimeController],
  providers: [
    ContainersService,
    ContainerPolicy,
    MountFacts,
    BerthContainer,
    BindWatcher,
    { provide: HostPaths, useClass: LocalHostPaths },
  ],
  // The WebSocket exec and attach check the same policy on the containers they enter; volumes and networks
  // judge their creates and connects by the same policy and mount facts; prune spares Berth's own image.
  // Fleet lists read each host's list through ContainersService.
  exports: [ContainerPolicy, MountFacts, BerthContainer, ContainersService],
})
export class ContainersModule {}
