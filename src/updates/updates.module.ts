import { Module } from '@nestjs/common';
import { DockerModule } from '../docker/docker.module.js';
import { DistributionModule } from '../registries/distribution/distribution.module.js';
import { RegistriesModule } from '../registries/registries.module.js';
import { ImageStatusController } from './image-status.controller.js';
import { ImageStatusService } from './image-status.service.js';
import { UpdateChecker } from './update-checker.js';

/** Update checks (image status): the engine's local digests against the registry's tags. */
@Module({
  imports: [DockerModule, DistributionModule, RegistriesModule],
  controllers: [ImageStatusController],
  providers: [UpdateChecker, ImageStatusService],
})
export class UpdatesModule {}
