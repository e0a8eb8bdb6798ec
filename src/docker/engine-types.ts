// The engine's raw documents, for the services that normalise them. Only types leave src/docker/.
export type {
  ContainerInfo as EngineContainerSummary,
  ContainerInspectInfo as EngineContainerInspect,
  ContainerCreateOptions as EngineContainerCreate,
  ExecInspectInfo as EngineExecInspect,
  ImageInfo as EngineImageSummary,
  ImageInspectInfo as EngineImageInspect,
  NetworkInspectInfo as EngineNetworkInspect,
  NetworkCreateOptions as EngineNetworkCreate,
  NetworkConnectOptions as EngineNetworkConnect,
  VolumeCreateOptions as EngineVolumeCreate,
} from 'dockerode';
import type { VolumeInspectInfo } from 'dockerode';

/** A volume as `docker volume ls` / `inspect` answer it (dockerode's type lacks `CreatedAt`). */
export type EngineVolume = VolumeInspectInfo & { CreatedAt?: string };

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
  Images?: Array<{
    Id: string;
    Size: number;
    SharedSize: number;
    Containers: number;
    RepoTags?: string[] | null;
    RepoDigests?: string[] | null;
  }> | null;
  Containers?: Array<{ Id: string; Names?: string[] | null; SizeRw?: number; SizeRootFs?: number; State: string }> | null;
  Volumes?: Array<{ Name: string; UsageData?: { Size: number; RefCount: number } | null }> | null;
  BuildCache?: EngineBuildCacheRecord[] | null;
}

/** One build cache record of `/system/df`. */
export interface EngineBuildCacheRecord {
  ID: string;
  Size: number;
  InUse: boolean;
  Shared: boolean;
  Type?: string;
  Description?: string;
  CreatedAt?: string;
  LastUsedAt?: string | null;
}

/** `GET /containers/{id}/stats?stream=false`, the fields Berth reads (cgroup v1 and v2). */
export interface EngineContainerStats {
  read: string;
  preread?: string;
  pids_stats?: { current?: number; limit?: number };
  cpu_stats: EngineCpuStats;
  precpu_stats: EngineCpuStats;
  memory_stats: { usage?: number; limit?: number; stats?: Record<string, number> };
  networks?: Record<string, { rx_bytes: number; tx_bytes: number }> | null;
  blkio_stats?: { io_service_bytes_recursive?: Array<{ op: string; value: number }> | null };
}

export interface EngineCpuStats {
  cpu_usage: { total_usage: number; percpu_usage?: number[] | null };
  system_cpu_usage?: number;
  online_cpus?: number;
}

/** `GET /containers/{id}/top`. */
export interface EngineContainerTop {
  Titles: string[];
  Processes: string[][] | null;
}

/** Credentials for a registry, sent to the engine in X-Registry-Auth (its AuthConfig's JSON names). */
export interface RegistryAuth {
  username?: string;
  password?: string;
  /** An OAuth identity token, which the engine exchanges instead of a password. */
  identitytoken?: string;
  serveraddress: string;
}

/** One line of the engine's JSON progress stream (pull, push). */
export interface EngineProgressMessage {
  status?: string;
  /** The layer (or tag) the line is about. */
  id?: string;
  progress?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
  errorDetail?: { message?: string };
}

/** How a pull runs: for one platform, canceled by a signal, its progress lines handed on. */
export interface PullOptions {
  platform?: string;
  signal?: AbortSignal;
  onMessage?: (message: EngineProgressMessage) => void;
}
// Streams: what the long-lived engine streams carry.

/** What a stream needs to know of a container before it opens one. */
export interface EngineStreamTarget {
  /** The full id: streams are shared by it, whatever name or prefix the client used. */
  id: string;
  name: string;
  tty: boolean;
  running: boolean;
  /** `-i`: the main process's stdin stays open, so an attach may write to it. */
  openStdin?: boolean;
  /** A Swarm service (its tasks' logs, `/services/{id}/logs`), not a container. */
  service?: boolean;
}

export interface EngineLogStreamOptions {
  follow: boolean;
  stdout: boolean;
  stderr: boolean;
  /** Each line's engine timestamp as `ts`; default true (streams share and resume by it). */
  timestamps?: boolean;
  /** Last lines to send first; all when absent. */
  tail?: number;
  /** Only lines at or after this time, in the engine's `seconds.nanoseconds` form (see engineTime). */
  since?: string;
  /** Only lines before this time, in the same form. */
  until?: string;
}

export interface EngineExecOptions {
  cmd: string[];
  tty: boolean;
  user?: string;
  workingDir?: string;
}

/** A running interactive exec: bytes in, demultiplexed bytes out. */
export interface EngineExecSession {
  /** The process's stdin; `end()` closes it. */
  input: NodeJS.WritableStream & { end(): void; writableNeedDrain?: boolean };
  /** ExecOutput objects (stdout/stderr pieces); ends when the process exits. */
  output: import('node:stream').Readable;
  resize(width: number, height: number): Promise<void>;
  /** The exit code once the process has ended (null if the engine does not say). */
  exitCode(): Promise<number | null>;
  /** Cuts the connection: the engine closes the process's TTY or pipes. */
  destroy(): void;
}

/** How `docker attach` joins a container's main process. */
export interface EngineAttachOptions {
  /** Replay what the container printed before (its log), then go on live. */
  logs: boolean;
  /** Live output (and stdin); false: the replay only, then the stream ends. */
  stream: boolean;
  /** Forward stdin (only a container created with OpenStdin reads it). */
  stdin: boolean;
  /** The detach sequence (`ctrl-p,ctrl-q`, as the CLI's `--detach-keys`); the engine's default when absent. */
  detachKeys?: string;
}

/**
 * An attach to a container's main process: stdin in, demultiplexed ExecOutput out, its TTY's size.
 * The output ends when the process exits or the engine saw the detach keys; `destroy` leaves it running.
 */
export type EngineAttachSession = Omit<EngineExecSession, 'exitCode'>;

/** `GET /events`, one message. */
export interface EngineEvent {
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes?: Record<string, string> };
  scope?: string;
  time: number;
  timeNano: number;
}

/** `GET /images/{name}/history`: one layer, newest first. */
export interface EngineImageHistoryItem {
  Id: string;
  Created: number;
  CreatedBy: string;
  Tags: string[] | null;
  Size: number;
  Comment: string;
}

/** `DELETE /images/{name}`: one line of what the engine did. */
export interface EngineImageDeleteItem {
  Untagged?: string;
  Deleted?: string;
}
