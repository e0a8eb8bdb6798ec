import type { Readable } from 'node:stream';
import type { Metrics } from '../common/metrics.js';
import {
  ContainerCommitOptions,
  ContainerListQuery,
  Engine,
  ExecLimits,
  ExecResult,
  ExecSpec,
  HostDescriptor,
  ImageListQuery,
} from './engine.js';
import * as build from './engine-build.js';
import type { EngineBuildOptions } from './engine-build.js';
import { EngineCalls } from './engine-calls.js';
import { probeEngine, type EngineProbe } from './engine-probe.js';
import { HostHealth } from './host-health.js';
import * as containers from './engine-containers.js';
import * as exec from './engine-exec.js';
import * as images from './engine-images.js';
import * as networks from './engine-networks.js';
import * as services from './engine-services.js';
import * as streams from './engine-streams.js';
import * as swarm from './engine-swarm.js';
import * as system from './engine-system.js';
import * as volumes from './engine-volumes.js';
import type * as T from './engine-types.js';

/** The Engine port on a real Docker engine (dockerode): each resource's calls live in engine-<resource>.ts. */
export class DockerEngine extends Engine {
  private readonly calls: EngineCalls;
  /** The host's live status (started by whoever manages the hosts: src/hosts). */
  override readonly health: HostHealth;
  /** The `/system/df` in flight: engine 1.41 refuses a second concurrent one, so callers share it. */
  private diskUsageInFlight?: Promise<T.EngineDiskUsage>;

  constructor(
    readonly host: HostDescriptor,
    metrics: Metrics,
    timeoutMs: number,
    /** shortCircuit: a host known down answers 503 at once (not `local`, whose calls stay as they always were). */
    options: { shortCircuit?: boolean } = {},
  ) {
    super();
    this.calls = new EngineCalls(host, metrics, timeoutMs);
    this.health = new HostHealth(host.id, () => system.healthCheck(this.calls), { shortCircuit: options.shortCircuit ?? true });
    this.calls.health = this.health;
  }

  /** Whether Berth can use this engine, and why not: the answer of `POST /hosts/test`. */
  probe(timeoutMs = this.calls.timeoutMs): Promise<EngineProbe> {
    return probeEngine(this.calls.docker, timeoutMs);
  }

  /** Stops the health checks and closes the connections: the host is no longer managed. */
  close(): void {
    this.health.stop();
    this.calls.close();
  }

  ping(timeoutMs?: number): Promise<unknown> {
    return system.ping(this.calls, timeoutMs);
  }
  info(): Promise<T.EngineInfo> {
    return system.info(this.calls);
  }
  version(): Promise<T.EngineVersion> {
    return system.version(this.calls);
  }
  diskUsage(): Promise<T.EngineDiskUsage> {
    this.diskUsageInFlight ??= system.diskUsage(this.calls).finally(() => (this.diskUsageInFlight = undefined));
    return this.diskUsageInFlight;
  }

  listContainers(query: ContainerListQuery): Promise<T.EngineContainerSummary[]> {
    return containers.listContainers(this.calls, query);
  }
  override listContainersJson(query: ContainerListQuery): Promise<Buffer> {
    return containers.listContainersJson(this.calls, query);
  }
  inspectContainer(id: string): Promise<T.EngineContainerInspect> {
    return containers.inspectContainer(this.calls, id);
  }
  createContainer(name: string | undefined, spec: T.EngineContainerCreate): Promise<{ id: string; warnings: string[] }> {
    return containers.createContainer(this.calls, name, spec);
  }
  startContainer(id: string): Promise<void> {
    return containers.startContainer(this.calls, id);
  }
  stopContainer(id: string, timeoutSeconds?: number): Promise<void> {
    return containers.stopContainer(this.calls, id, timeoutSeconds);
  }
  restartContainer(id: string, timeoutSeconds?: number): Promise<void> {
    return containers.restartContainer(this.calls, id, timeoutSeconds);
  }
  killContainer(id: string, signal?: string): Promise<void> {
    return containers.killContainer(this.calls, id, signal);
  }
  pauseContainer(id: string): Promise<void> {
    return containers.pauseContainer(this.calls, id);
  }
  unpauseContainer(id: string): Promise<void> {
    return containers.unpauseContainer(this.calls, id);
  }
  removeContainer(id: string, options: { force: boolean; volumes: boolean }): Promise<void> {
    return containers.removeContainer(this.calls, id, options);
  }
  renameContainer(id: string, name: string): Promise<void> {
    return containers.renameContainer(this.calls, id, name);
  }
  containerTop(id: string, psArgs?: string): Promise<T.EngineContainerTop> {
    return containers.containerTop(this.calls, id, psArgs);
  }
  containerStats(id: string): Promise<T.EngineContainerStats> {
    return containers.containerStats(this.calls, id);
  }
  commitContainer(id: string, options: ContainerCommitOptions): Promise<{ id: string }> {
    return containers.commitContainer(this.calls, id, options);
  }

  execOnce(containerId: string, spec: ExecSpec, limits: ExecLimits): Promise<ExecResult> {
    return exec.execOnce(this.calls, containerId, spec, limits);
  }
  openExec(target: T.EngineStreamTarget, options: T.EngineExecOptions): Promise<T.EngineExecSession> {
    return exec.openExec(this.calls, target, options);
  }

  streamTarget(container: string): Promise<T.EngineStreamTarget> {
    return streams.streamTarget(this.calls, container);
  }
  openLogLines(target: T.EngineStreamTarget, options: T.EngineLogStreamOptions): Promise<Readable> {
    return streams.openLogLines(this.calls, target, options);
  }
  openLogFrames(target: T.EngineStreamTarget, options: T.EngineLogStreamOptions): Promise<Readable> {
    return streams.openLogFrames(this.calls, target, options);
  }
  openEvents(filters?: Record<string, string[]>, since?: string): Promise<Readable> {
    return streams.openEvents(this.calls, filters, since);
  }
  openStats(target: T.EngineStreamTarget): Promise<Readable> {
    return streams.openStats(this.calls, target);
  }
  openAttach(target: T.EngineStreamTarget, options: T.EngineAttachOptions): Promise<T.EngineAttachSession> {
    return streams.openAttach(this.calls, target, options);
  }

  inspectImage(ref: string): Promise<T.EngineImageInspect> {
    return images.inspectImage(this.calls, ref);
  }
  imageExists(ref: string): Promise<boolean> {
    return images.imageExists(this.calls, ref);
  }
  pullImage(ref: string, auth?: T.RegistryAuth, options?: T.PullOptions): Promise<void> {
    return images.pullImage(this.calls, ref, auth, options);
  }
  listImages(query: ImageListQuery): Promise<T.EngineImageSummary[]> {
    return images.listImages(this.calls, query);
  }
  imageHistory(ref: string): Promise<T.EngineImageHistoryItem[]> {
    return images.imageHistory(this.calls, ref);
  }
  tagImage(ref: string, repo: string, tag: string): Promise<void> {
    return images.tagImage(this.calls, ref, repo, tag);
  }
  removeImage(ref: string, options: { force: boolean; noprune: boolean }): Promise<T.EngineImageDeleteItem[]> {
    return images.removeImage(this.calls, ref, options);
  }
  exportImages(refs: string[], signal: AbortSignal): Promise<Readable> {
    return images.exportImages(this.calls, refs, signal);
  }
  loadImages(tar: Readable, signal: AbortSignal): Promise<string[]> {
    return images.loadImages(this.calls, tar, signal);
  }

  openBuild(context: Readable, options: EngineBuildOptions, signal: AbortSignal): Promise<Readable> {
    return build.openBuild(this.calls, context, options, signal);
  }
  openPush(repository: string, tag: string, auth: T.RegistryAuth | undefined, signal: AbortSignal): Promise<Readable> {
    return build.openPush(this.calls, repository, tag, auth, signal);
  }
  pruneBuildCache(id: string): Promise<{ deleted: string[]; spaceReclaimed: number }> {
    return build.pruneBuildCache(this.calls, id);
  }

  inspectVolume(name: string): Promise<T.EngineVolume | undefined> {
    return volumes.inspectVolume(this.calls, name);
  }
  listVolumes(filters?: Record<string, string[]>): Promise<T.EngineVolume[]> {
    return volumes.listVolumes(this.calls, filters);
  }
  createVolume(spec: T.EngineVolumeCreate): Promise<T.EngineVolume> {
    return volumes.createVolume(this.calls, spec);
  }
  removeVolume(name: string, options?: { force?: boolean }): Promise<void> {
    return volumes.removeVolume(this.calls, name, options);
  }
  inspectNetwork(ref: string): Promise<T.EngineNetworkInspect> {
    return networks.inspectNetwork(this.calls, ref);
  }
  listNetworks(filters?: Record<string, string[]>): Promise<T.EngineNetworkInspect[]> {
    return networks.listNetworks(this.calls, filters);
  }
  createNetwork(spec: T.EngineNetworkCreate): Promise<{ id: string; warning?: string }> {
    return networks.createNetwork(this.calls, spec);
  }
  removeNetwork(id: string): Promise<void> {
    return networks.removeNetwork(this.calls, id);
  }
  connectNetwork(id: string, connect: T.EngineNetworkConnect): Promise<void> {
    return networks.connectNetwork(this.calls, id, connect);
  }
  disconnectNetwork(id: string, container: string, force: boolean): Promise<void> {
    return networks.disconnectNetwork(this.calls, id, container, force);
  }

  swarmStatus(): Promise<swarm.EngineSwarmStatus> {
    return swarm.swarmStatus(this.calls);
  }
  listNodes(filters?: Record<string, string[]>): Promise<swarm.EngineNode[]> {
    return swarm.listNodes(this.calls, filters);
  }
  inspectNode(ref: string): Promise<swarm.EngineNode> {
    return swarm.inspectNode(this.calls, ref);
  }
  updateNode(id: string, version: number, spec: swarm.EngineNodeSpec): Promise<void> {
    return swarm.updateNode(this.calls, id, version, spec);
  }
  listTasks(filters?: Record<string, string[]>): Promise<swarm.EngineTask[]> {
    return swarm.listTasks(this.calls, filters);
  }
  listSwarmObjects(kind: swarm.SwarmObjectKind, filters?: Record<string, string[]>): Promise<swarm.EngineSwarmObject[]> {
    return swarm.listSwarmObjects(this.calls, kind, filters);
  }
  inspectSwarmObject(kind: swarm.SwarmObjectKind, ref: string): Promise<swarm.EngineSwarmObject> {
    return swarm.inspectSwarmObject(this.calls, kind, ref);
  }
  createSwarmObject(kind: swarm.SwarmObjectKind, spec: swarm.EngineSwarmObjectCreate): Promise<{ id: string }> {
    return swarm.createSwarmObject(this.calls, kind, spec);
  }
  removeSwarmObject(kind: swarm.SwarmObjectKind, id: string): Promise<void> {
    return swarm.removeSwarmObject(this.calls, kind, id);
  }
  listServices(filters?: Record<string, string[]>): Promise<services.EngineService[]> {
    return services.listServices(this.calls, filters);
  }
  inspectService(ref: string): Promise<services.EngineService> {
    return services.inspectService(this.calls, ref);
  }
  createService(spec: services.EngineServiceSpec, auth?: T.RegistryAuth): Promise<{ id: string; warnings: string[] }> {
    return services.createService(this.calls, spec, auth);
  }
  updateService(
    id: string,
    version: number,
    spec: services.EngineServiceSpec,
    options?: { rollback?: boolean; auth?: T.RegistryAuth },
  ): Promise<{ warnings: string[] }> {
    return services.updateService(this.calls, id, version, spec, options);
  }
  removeService(id: string): Promise<void> {
    return services.removeService(this.calls, id);
  }
  serviceTasks(serviceId: string, upToDate?: boolean): Promise<services.EngineServiceTask[]> {
    return services.serviceTasks(this.calls, serviceId, upToDate);
  }
  serviceStreamTarget(ref: string): Promise<T.EngineStreamTarget> {
    return services.serviceStreamTarget(this.calls, ref);
  }
}
