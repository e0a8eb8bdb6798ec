import { Module } from '@nestjs/common';
import { Metrics } from '../common/metrics.js';
import { AppConfig } from '../config/app-config.js';
import { DockerEngine } from './docker-engine.js';
import { DockerHosts, LOCAL_HOST_ID } from './docker-hosts.js';

/** Each host's Engine is a DockerEngine; specs build DockerHosts from fakes instead. */
function dockerHosts(config: AppConfig, metrics: Metrics): DockerHosts {
  const local = new DockerEngine({ id: LOCAL_HOST_ID, name: LOCAL_HOST_ID, url: config.dockerHost }, metrics, config.engineTimeoutMs);
  return new DockerHosts([local]);
}

@Module({
  // RegistryAuthProvider comes from the registries module, which holds the credentials.
  providers: [{ provide: DockerHosts, useFactory: dockerHosts, inject: [AppConfig, Metrics] }],
  exports: [DockerHosts],
})
export class DockerModule {}
