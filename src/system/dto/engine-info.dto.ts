import { ApiProperty } from '@nestjs/swagger';

export class ContainerCountsDto {
  /** @example 5 */
  @ApiProperty({ type: 'integer' })
  total: number;
  /** @example 3 */
  @ApiProperty({ type: 'integer' })
  running: number;
  /** @example 0 */
  @ApiProperty({ type: 'integer' })
  paused: number;
  /** @example 2 */
  @ApiProperty({ type: 'integer' })
  stopped: number;
}

/** `docker info`, normalised. */
export class EngineInfoDto {
  /** @example 6d3e2b1a-9c8f-4e7d-b5a4-3c2b1a0f9e8d */
  id: string;
  /**
   * The engine's host name.
   * @example docker-host-1
   */
  name: string;
  /** @example 20.10.24 */
  serverVersion: string;
  /** @example "Debian GNU/Linux 12 (bookworm)" */
  operatingSystem: string;
  /** @example linux */
  osType: string;
  /** @example x86_64 */
  architecture: string;
  /** @example 6.1.0-27-amd64 */
  kernelVersion: string;
  /** @example 2 */
  @ApiProperty({ type: 'integer' })
  cpus: number;
  /** @example 8254251008 */
  @ApiProperty({ type: 'integer' })
  memoryBytes: number;
  containers: ContainerCountsDto;
  /** @example 12 */
  @ApiProperty({ type: 'integer' })
  images: number;
  /** @example overlay2 */
  storageDriver: string;
  /** @example /var/lib/docker */
  dockerRootDir: string;
  /** @example systemd */
  cgroupDriver?: string;
  /** @example "2" */
  cgroupVersion?: string;
  /** @example json-file */
  loggingDriver?: string;
  /** @example [] */
  warnings: string[];
}

/** `docker version`, the server side. */
export class EngineVersionDto {
  /** @example 20.10.24 */
  version: string;
  /** @example "1.41" */
  apiVersion: string;
  /** @example "1.12" */
  minApiVersion?: string;
  /** @example 5d6db84 */
  gitCommit?: string;
  /** @example go1.20.10 */
  goVersion?: string;
  /** @example linux */
  os: string;
  /** @example amd64 */
  arch: string;
  /** @example 6.1.0-27-amd64 */
  kernelVersion?: string;
  /** @example 2023-04-14T10:32:03.000000000+00:00 */
  buildTime?: string;
}
