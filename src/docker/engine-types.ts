// The engine's raw documents, for the services that normalise them. Only types leave src/docker/.
export type {
  ContainerInfo as EngineContainerSummary,
  ContainerInspectInfo as EngineContainerInspect,
  ImageInfo as EngineImageSummary,
  ImageInspectInfo as EngineImageInspect,
} from 'dockerode';

/** `GET /info`, the fields Berth reads. */
export interface EngineInfo {
  ID: string;
  Name: string;
  ServerVersion: string;
  OperatingSystem: string;
  OSType: string;
  Architecture: string;
  KernelVersion: string;
  NCPU: number;
  MemTotal: number;
  Containers: number;
  ContainersRunning: number;
  ContainersPaused: number;
  ContainersStopped: number;
  Images: number;
  Driver: string;
  DockerRootDir: string;
  CgroupDriver?: string;
  CgroupVersion?: string;
  LoggingDriver?: string;
  Warnings?: string[] | null;
}

/** `GET /version`. */
export interface EngineVersion {
  Version: string;
  ApiVersion: string;
  MinAPIVersion?: string;
  GitCommit?: string;
  GoVersion?: string;
  Os: string;
  Arch: string;
  KernelVersion?: string;
  BuildTime?: string;
}

/** `GET /system/df`. */
export interface EngineDiskUsage {
  LayersSize?: number;
  Images?: Array<{ Id: string; Size: number; SharedSize: number; Containers: number; RepoTags?: string[] | null }> | null;
  Containers?: Array<{ Id: string; SizeRw?: number; SizeRootFs?: number; State: string }> | null;
  Volumes?: Array<{ Name: string; UsageData?: { Size: number; RefCount: number } | null }> | null;
  BuildCache?: Array<{ ID: string; Size: number; InUse: boolean; Shared: boolean }> | null;
}
