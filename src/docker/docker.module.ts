import { Global, Module } from '@nestjs/common';
import { DockerHosts } from './docker-hosts.js';

@Global()
@Module({ providers: [DockerHosts], exports: [DockerHosts] })
export class DockerModule {}
