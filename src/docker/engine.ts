import type { Readable } from 'node:stream';
import type { EngineTls } from '../config/engine-tls.js';
import type { EngineBuildOptions } from './engine-build.js';
import type { EngineService, EngineServiceSpec, EngineServiceTask } from './engine-services.js';
import type {
  EngineNode,
  EngineNodeSpec,
  EngineSwarmObject,
  EngineSwarmObjectCreate,
  EngineSwarmStatus,
  EngineTask,
  SwarmObjectKind,
} from './engine-swarm.js';
import type { HostHealth } from './host-health.js';
import type {
  EngineAttachOptions,
  EngineAttachSession,
  EngineContainerCreate,
  EngineContainerInspect,
  EngineContainerStats,
  EngineContainerSummary,
  EngineContainerTop,
  EngineDiskUsage,
  EngineExecOptions,
  EngineExecSession,
  EngineImageDeleteItem,
  EngineImageHistoryItem,
  EngineImageInspect,
  EngineImageSummary,
  EngineInfo,
  EngineLogStreamOptions,
  EngineNetworkConnect,
  EngineNetworkCreate,
  EngineNetworkInspect,
  EngineStreamTarget,
  EngineVersion,
  EngineVolume,
  EngineVolumeCreate,
  PullOptions,
  RegistryAuth,
} from './engine-types.js';

export interface HostDescriptor {
  id: string;
  name: string;
  /** Where the engine listens, e.g. unix:///var/run/docker.sock. */
  url: string;
  /** How to speak TLS to a tcp:// url; absent: plain HTTP. */
  tls?: EngineTls;
  /** How to reach an ssh:// url: the client key and the engine host's pinned public key (never "accept any"). */
  ssh?: EngineSsh;
  /** Free-form labels of a host record (e.g. `env=staging`); per-host roles may be granted by label. */
  labels?: Record<string, string>;
}

/** An ssh:// host's credentials, both OpenSSH text: the private key Berth logs in with and the host key it expects. */
export interface EngineSsh {
  privateKey: string;
  /** The host's public key as in known_hosts / ssh-keyscan, e.g. `ssh-ed25519 AAAA...`: anything else is refused. */
  knownHostKey: string;
}

export interface ContainerListQuery {
  all?: boolean;
  limit?: number;
  /** The engine's filters, e.g. `{ label: ['a=b'], status: ['running'] }`. */
  filters?: Record<string, string[]>;
}

export interface ImageListQuery {
  /** Intermediate images too (`docker images -a`). */
  all?: boolean;
  /** The engine's filters, e.g. `{ dangling: ['true'], reference: ['app:*'] }`. */
  filters?: Record<string, string[]>;
}

export interface ContainerCommitOptions {
  repo: string;
  tag?: string;
  comment?: string;
  author?: string;
  pause?: boolean;
  /** Dockerfile instructions applied to the image, as `docker commit --change`. */
  changes?: string[];
}

export interface ExecSpec {
  cmd: string[];
  env?: string[];
  workingDir?: string;
  user?: string;
}

export interface ExecLimits {
  /** Bytes kept per stream; the rest is counted and dropped. */
  maxBytes: number;
  timeoutMs: number;
  /** Aborted: the command is killed as at its timeout (its caller's access ended). */
  signal?: AbortSignal;
}

export interface ExecResult {
  /** null when the command outlived its time and could not be reaped. */
  exitCode: number | null;
  stdout: string;
  stderr: string;
  truncated: boolean;
  timedOut: boolean;
}

/**
 * One Docker engine, as services see it: the port DockerHosts hands out per host (DockerEngine
 * binds it; unit specs fake it with fakeEngine). Every call is bounded in time and fails only with
 * a ProblemException, so a service never sees a transport error and a dead engine answers 503.
 * Grouped by resource as the implementation files are (engine-<resource>.ts).
 */
export abstract class Engine {
  abstract readonly host: HostDescriptor;
  /** The host's live status and short circuit (DockerEngine has one; fakes may not). */
  declare readonly health?: HostHealth;

  // System (engine-system.ts)
  abstract ping(timeoutMs?: number): Promise<unknown>;
  abstract info(): Promise<EngineInfo>;
  abstract version(): Promise<EngineVersion>;
  abstract diskUsage(): Promise<EngineDiskUsage>;

  // Containers (engine-containers.ts)
  abstract listContainers(query: ContainerListQuery): Promise<EngineContainerSummary[]>;
  /** The same list as the engine's JSON bytes (a real engine's answer as it came: see ContainersService.list). */
  async listContainersJson(query: ContainerListQuery): Promise<Buffer> {
    return Buffer.from(JSON.stringify(await this.listContainers(query)));
  }
  abstract inspectContainer(id: string): Promise<EngineContainerInspect>;
  /** Creates a container; the engine's warnings come back. */
  abstract createContainer(name: string | undefined, spec: EngineContainerCreate): Promise<{ id: string; warnings: string[] }>;
  /** One already running is success. */
  abstract startContainer(id: string): Promise<void>;
  /** `docker stop -t`: SIGTERM, then SIGKILL after `timeoutSeconds`; a stopped container is success. */
  abstract stopContainer(id: string, timeoutSeconds?: number): Promise<void>;
  abstract restartContainer(id: string, timeoutSeconds?: number): Promise<void>;
  abstract killContainer(id: string, signal?: string): Promise<void>;
  abstract pauseContainer(id: string): Promise<void>;
  abstract unpauseContainer(id: string): Promise<void>;
  abstract removeContainer(id: string, options: { force: boolean; volumes: boolean }): Promise<void>;
  abstract renameContainer(id: string, name: string): Promise<void>;
  abstract containerTop(id: string, psArgs?: string): Promise<EngineContainerTop>;
  /** One stats sample (takes a cycle, ~1 s, so that CPU use can be computed). */
  abstract containerStats(id: string): Promise<EngineContainerStats>;
  /** `docker commit`: an image from the container's filesystem and config. */
  abstract commitContainer(id: string, options: ContainerCommitOptions): Promise<{ id: string }>;

  // Exec (engine-exec.ts)
  /** Runs a command to its end without a TTY; output capped per stream, killed past its time. */
  abstract execOnce(containerId: string, spec: ExecSpec, limits: ExecLimits): Promise<ExecResult>;
  /** Starts an interactive exec (stdin attached) and hands back its two directions. */
  abstract openExec(target: EngineStreamTarget, options: EngineExecOptions): Promise<EngineExecSession>;

  // Logs and live streams (engine-streams.ts); opening one is bounded, reading it is not.
  /** The container a stream is about: 404 CONTAINER_NOT_FOUND before any stream opens. */
  abstract streamTarget(container: string): Promise<EngineStreamTarget>;
  /**
   * The one log reader, REST snapshot and WebSocket alike: LogLine objects, followed or not, never
   * buffered whole. Destroying the returned stream closes the engine connection.
   */
  abstract openLogLines(target: EngineStreamTarget, options: EngineLogStreamOptions): Promise<Readable>;
  /** The same log as LogFrame objects (log-frames.ts): WebSocket frames ready to send to a lone reader. */
  abstract openLogFrames(target: EngineStreamTarget, options: EngineLogStreamOptions): Promise<Readable>;
  /** EngineEvent objects from now on, or replayed from `since` (`seconds.nanoseconds`); `filters` as the engine takes them (`{ event: ['start'] }`). */
  abstract openEvents(filters?: Record<string, string[]>, since?: string): Promise<Readable>;
  /** EngineContainerStats objects, one a second while the container runs. */
  abstract openStats(target: EngineStreamTarget): Promise<Readable>;
  /** `docker attach`: the main process's stdin and output; ends on its exit or the detach keys, leaves it running when destroyed. */
  abstract openAttach(target: EngineStreamTarget, options: EngineAttachOptions): Promise<EngineAttachSession>;

  // Images (engine-images.ts)
  /** 404 IMAGE_NOT_FOUND when the host lacks it. */
  abstract inspectImage(ref: string): Promise<EngineImageInspect>;
  abstract imageExists(ref: string): Promise<boolean>;
  /** Pulls to the end; a failure reported inside the progress stream is thrown. */
  abstract pullImage(ref: string, auth?: RegistryAuth, options?: PullOptions): Promise<void>;
  abstract listImages(query: ImageListQuery): Promise<EngineImageSummary[]>;
  /** Layers, newest first. */
  abstract imageHistory(ref: string): Promise<EngineImageHistoryItem[]>;
  abstract tagImage(ref: string, repo: string, tag: string): Promise<void>;
  /** `docker rmi`: the engine's lines of what it untagged and deleted; 409 IMAGE_IN_USE when a container uses it. */
  abstract removeImage(ref: string, options: { force: boolean; noprune: boolean }): Promise<EngineImageDeleteItem[]>;
  /** `docker save` as a stream, never buffered; aborting `signal` or destroying the stream ends the engine request. */
  abstract exportImages(refs: string[], signal: AbortSignal): Promise<Readable>;
  /** `docker load` of a streamed tar: the references loaded. */
  abstract loadImages(tar: Readable, signal: AbortSignal): Promise<string[]>;

  // Build and push (engine-build.ts): the engine's JSON-lines output, read by the job; `signal` cuts the request.
  /** The classic builder on a tar or tar.gz context streamed as it comes. */
  abstract openBuild(context: Readable, options: EngineBuildOptions, signal: AbortSignal): Promise<Readable>;
  /** `docker push repository:tag`, one tag only. */
  abstract openPush(repository: string, tag: string, auth: RegistryAuth | undefined, signal: AbortSignal): Promise<Readable>;
  /** Removes one build cache record by its id (records in use stay): the records deleted and the bytes freed. */
  abstract pruneBuildCache(id: string): Promise<{ deleted: string[]; spaceReclaimed: number }>;

  // Volumes and networks (engine-volumes.ts, engine-networks.ts)
  /** Undefined for a volume that does not exist (yet). */
  abstract inspectVolume(name: string): Promise<EngineVolume | undefined>;
  /** `docker volume ls`; `filters` as the engine takes them (`{ dangling: ['true'] }`). */
  abstract listVolumes(filters?: Record<string, string[]>): Promise<EngineVolume[]>;
  abstract createVolume(spec: EngineVolumeCreate): Promise<EngineVolume>;
  /** 404 VOLUME_NOT_FOUND, 409 VOLUME_IN_USE. */
  abstract removeVolume(name: string, options?: { force?: boolean }): Promise<void>;
  /** By name, id or id prefix, as the engine resolves a container's network: 404 NETWORK_NOT_FOUND. */
  abstract inspectNetwork(ref: string): Promise<EngineNetworkInspect>;
  /** `docker network ls`; the engine's list has no containers in it (inspect has). */
  abstract listNetworks(filters?: Record<string, string[]>): Promise<EngineNetworkInspect[]>;
  /** A name in use is 409 NAME_CONFLICT (the engine's duplicate check is always asked for). */
  abstract createNetwork(spec: EngineNetworkCreate): Promise<{ id: string; warning?: string }>;
  /** 409 NETWORK_IN_USE while containers are connected; 403 PREDEFINED_NETWORK. */
  abstract removeNetwork(id: string): Promise<void>;
  abstract connectNetwork(id: string, connect: EngineNetworkConnect): Promise<void>;
  abstract disconnectNetwork(id: string, container: string, force: boolean): Promise<void>;

  // Swarm (engine-swarm.ts): a node outside a swarm answers 409 SWARM_NOT_ACTIVE, a worker 409 NOT_A_SWARM_MANAGER.
  /** The Swarm part of `GET /info` (any engine, manager or not); the join tokens are never read. */
  abstract swarmStatus(): Promise<EngineSwarmStatus>;
  abstract listNodes(filters?: Record<string, string[]>): Promise<EngineNode[]>;
  /** By id, id prefix or hostname: 404 NODE_NOT_FOUND. */
  abstract inspectNode(ref: string): Promise<EngineNode>;
  /** The whole spec at the version it was read; a node changed since is 409 SWARM_UPDATE_OUT_OF_SEQUENCE. */
  abstract updateNode(id: string, version: number, spec: EngineNodeSpec): Promise<void>;
  abstract listTasks(filters?: Record<string, string[]>): Promise<EngineTask[]>;
  /** Secrets and configs: a secret's data never comes back from the engine, a config's does. */
  abstract listSwarmObjects(kind: SwarmObjectKind, filters?: Record<string, string[]>): Promise<EngineSwarmObject[]>;
  /** By id, id prefix or name: 404 SECRET_NOT_FOUND / CONFIG_NOT_FOUND. */
  abstract inspectSwarmObject(kind: SwarmObjectKind, ref: string): Promise<EngineSwarmObject>;
  /** A name in use is 409 NAME_CONFLICT. */
  abstract createSwarmObject(kind: SwarmObjectKind, spec: EngineSwarmObjectCreate): Promise<{ id: string }>;
  /** In use by a service: 409 SECRET_IN_USE / CONFIG_IN_USE. */
  abstract removeSwarmObject(kind: SwarmObjectKind, id: string): Promise<void>;
  // Services (engine-services.ts): a Swarm manager's; elsewhere the engine refuses them.
  abstract listServices(filters?: Record<string, string[]>): Promise<EngineService[]>;
  /** By id, id prefix or name: 404 SERVICE_NOT_FOUND. */
  abstract inspectService(ref: string): Promise<EngineService>;
  abstract createService(spec: EngineServiceSpec, auth?: RegistryAuth): Promise<{ id: string; warnings: string[] }>;
  /** At `version` (a stale one: 409 SWARM_UPDATE_OUT_OF_SEQUENCE); `rollback`: the engine's rollback to the previous spec. */
  abstract updateService(
    id: string,
    version: number,
    spec: EngineServiceSpec,
    options?: { rollback?: boolean; auth?: RegistryAuth },
  ): Promise<{ warnings: string[] }>;
  abstract removeService(id: string): Promise<void>;
  /** `upToDate`: only the tasks at the service's current spec. */
  abstract serviceTasks(serviceId: string, upToDate?: boolean): Promise<EngineServiceTask[]>;
  /** The service a log stream reads (openLogLines, openLogFrames take it as they take a container). */
  abstract serviceStreamTarget(ref: string): Promise<EngineStreamTarget>;
}
