import { Module } from '@nestjs/common';
import { DockerHosts } from './docker-hosts.js';
import { AnonymousRegistryAuth, RegistryAuthProvider } from './registry-auth.js';

@Module({
  providers: [DockerHosts, { provide: RegistryAuthProvider, useClass: AnonymousRegistryAuth }],
  exports: [DockerHosts, RegistryAuthProvider],
})
export class DockerModule {}
