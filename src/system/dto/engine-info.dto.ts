export class ContainerCountsDto {
  total: number;
  running: number;
  paused: number;
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
  cpus: number;
  memoryBytes: number;
  containers: ContainerCountsDto;
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
