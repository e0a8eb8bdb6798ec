import { ApiProperty } from '@nestjs/swagger';

export class ContainerCountsDto {
  @ApiProperty({ type: 'integer' })
  total: number;
  @ApiProperty({ type: 'integer' })
  running: number;
  @ApiProperty({ type: 'integer' })
  paused: number;
  @ApiProperty({ type: 'integer' })
  stopped: number;
}

/** `docker info`, normalised. */
export class EngineInfoDto {
  id: string;
  /** The engine's host name. */
  name: string;
  serverVersion: string;
  operatingSystem: string;
  osType: string;
  architecture: string;
  kernelVersion: string;
  @ApiProperty({ type: 'integer' })
  cpus: number;
  @ApiProperty({ type: 'integer' })
  memoryBytes: number;
  containers: ContainerCountsDto;
  @ApiProperty({ type: 'integer' })
  images: number;
  storageDriver: string;
  dockerRootDir: string;
  cgroupDriver?: string;
  cgroupVersion?: string;
  loggingDriver?: string;
  warnings: string[];
}

/** `docker version`, the server side. */
export class EngineVersionDto {
  version: string;
  apiVersion: string;
  minApiVersion?: string;
  gitCommit?: string;
  goVersion?: string;
  os: string;
  arch: string;
  kernelVersion?: string;
  buildTime?: string;
}
