import { Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { RegistryAuthProvider } from '../docker/registry-auth.js';
import { DistributionModule } from './distribution/distribution.module.js';
import { RegistriesController } from './registries.controller.js';
import { RegistryBrowseController } from './registry-browse.controller.js';
import { RegistryBrowseService } from './registry-browse.service.js';
import { RegistryTestController } from './registry-test.controller.js';
import { RegistriesRepository } from './registries.repository.js';
import { RegistriesService } from './registries.service.js';
import { RegistryDirectory } from './registry-access.js';
import { StoredRegistryAuth } from './registry-engine-auth.js';
import { loadSecretBox, SecretBox } from './secret-box.js';
import { StoredRegistryDirectory } from './stored-registry-directory.js';

/**
 * Registry records (`/api/v1/registries`) and what the rest of Berth reads from them: the
 * `RegistryDirectory` (secrets opened) and the engine's `RegistryAuthProvider`. Features that
 * talk to the engine with credentials import this module, so src/docker never imports it.
 */
@Module({
  imports: [DistributionModule],
  // `POST /registries/test` before `POST /registries/{id}/...`: the fixed path is matched first.
  controllers: [RegistriesController, RegistryTestController, RegistryBrowseController],
  providers: [
    RegistriesRepository,
    RegistryBrowseService,
    RegistriesService,
    { provide: SecretBox, useFactory: (config: AppConfig) => loadSecretBox(config.dataDir, config.secretKey), inject: [AppConfig] },
    { provide: RegistryDirectory, useClass: StoredRegistryDirectory },
    { provide: RegistryAuthProvider, useClass: StoredRegistryAuth },
  ],
  // SecretBox: host records seal their private keys with the same key (src/hosts).
  exports: [RegistryDirectory, RegistryAuthProvider, DistributionModule, SecretBox],
})
export class RegistriesModule {}
