import type { CreatePolicyRequest } from '../containers/create-policy.js';
import type { MountedVolume } from '../containers/mount-rules.js';
import type { EngineServiceSpec, EngineUpdateConfig } from '../docker/engine-services.js';
import type { ServiceCreateDto, ServiceRolloutConfigDto, ServiceResourceDto, ServiceUpdateDto } from './dto/service-create.dto.js';

const NANOS = 1e9;

/** `docker service create`'s spec from the request. */
export function toServiceSpec(dto: ServiceCreateDto): EngineServiceSpec {
  const base: EngineServiceSpec = {
    Name: dto.name,
    TaskTemplate: { ContainerSpec: { Image: dto.image } },
    Mode: dto.mode === 'global' ? { Global: {} } : { Replicated: { Replicas: dto.replicas ?? 1 } },
  };
  return withChanges(base, { ...dto, replicas: undefined });
}

/**
 * The spec an update sends: the service's current one with each part the request gives replaced (`replicas`
 * alone is a scale). Whatever else the spec holds (set by the CLI, or defaults the engine filled in) stays.
 */
export function withChanges(current: EngineServiceSpec, dto: ServiceUpdateDto): EngineServiceSpec {
  // `null` is as absent (the DTO's @IsOptional lets it through): it keeps that part as it is.
  const spec = structuredClone(current);
  const task = spec.TaskTemplate;
  const container = task.ContainerSpec;
  if (dto.image != null) container.Image = dto.image;
  if (dto.cmd != null) container.Args = dto.cmd;
  if (dto.entrypoint != null) container.Command = dto.entrypoint;
  if (dto.env != null) container.Env = dto.env;
  if (dto.containerLabels != null) container.Labels = dto.containerLabels;
  if (dto.workingDir != null) container.Dir = dto.workingDir;
  if (dto.user != null) container.User = dto.user;
  if (dto.capAdd != null) container.CapabilityAdd = dto.capAdd;
  if (dto.capDrop != null) container.CapabilityDrop = dto.capDrop;
  if (dto.mounts != null) {
    container.Mounts = dto.mounts.map((mount) => ({
      Type: mount.type,
      ...(mount.source != null && { Source: mount.source }),
      Target: mount.target,
      ...(mount.readOnly != null && { ReadOnly: mount.readOnly }),
    }));
  }
  if (dto.labels != null) spec.Labels = dto.labels;
  if (dto.replicas != null) spec.Mode = { Replicated: { Replicas: dto.replicas } };
  if (dto.networks != null) task.Networks = dto.networks.map((target) => ({ Target: target }));
  if (dto.constraints != null) task.Placement = { ...task.Placement, Constraints: dto.constraints };
  if (dto.resources != null) {
    task.Resources = {
      ...(dto.resources.limits && { Limits: toResources(dto.resources.limits) }),
      ...(dto.resources.reservations && { Reservations: toResources(dto.resources.reservations) }),
    };
  }
  if (dto.ports != null) {
    spec.EndpointSpec = {
      ...spec.EndpointSpec,
      Ports: dto.ports.map((port) => ({
        TargetPort: port.target,
        Protocol: port.protocol ?? 'tcp',
        PublishMode: port.mode ?? 'ingress',
        ...(port.published != null && { PublishedPort: port.published }),
      })),
    };
  }
  if (dto.updateConfig != null) spec.UpdateConfig = toRolloutConfig(dto.updateConfig);
  if (dto.rollbackConfig != null) spec.RollbackConfig = toRolloutConfig(dto.rollbackConfig);
  return spec;
}

function toResources(resource: ServiceResourceDto): { NanoCPUs?: number; MemoryBytes?: number } {
  return {
    ...(resource.cpus != null && { NanoCPUs: Math.round(resource.cpus * NANOS) }),
    ...(resource.memoryBytes != null && { MemoryBytes: resource.memoryBytes }),
  };
}

function toRolloutConfig(config: ServiceRolloutConfigDto): EngineUpdateConfig {
  return {
    ...(config.parallelism != null && { Parallelism: config.parallelism }),
    ...(config.delaySeconds != null && { Delay: Math.round(config.delaySeconds * NANOS) }),
    ...(config.failureAction != null && { FailureAction: config.failureAction }),
    ...(config.monitorSeconds != null && { Monitor: Math.round(config.monitorSeconds * NANOS) }),
    ...(config.maxFailureRatio != null && { MaxFailureRatio: config.maxFailureRatio }),
    ...(config.order != null && { Order: config.order }),
  };
}

/** Back from the engine's units, for the inspect view. */
export function fromRolloutConfig(config: EngineUpdateConfig | undefined): ServiceRolloutConfigDto | null {
  if (!config) return null;
  return {
    ...(config.Parallelism != null && { parallelism: config.Parallelism }),
    ...(config.Delay != null && { delaySeconds: config.Delay / NANOS }),
    ...(config.FailureAction != null && { failureAction: config.FailureAction }),
    ...(config.Monitor != null && { monitorSeconds: config.Monitor / NANOS }),
    ...(config.MaxFailureRatio != null && { maxFailureRatio: config.MaxFailureRatio }),
    ...(config.Order != null && { order: config.Order }),
  };
}

export function fromResources(resource: { NanoCPUs?: number; MemoryBytes?: number } | undefined): ServiceResourceDto | undefined {
  if (!resource || (!resource.NanoCPUs && !resource.MemoryBytes)) return undefined;
  return {
    ...(resource.NanoCPUs ? { cpus: resource.NanoCPUs / NANOS } : {}),
    ...(resource.MemoryBytes ? { memoryBytes: resource.MemoryBytes } : {}),
  };
}

/**
 * A service's spec as the container create request the policy judges: its tasks are containers on some node.
 * The orchestrator starts tasks by itself (restarts, rescheduling, every rolling update), mounting binds again
 * without Berth's check: that is the policy's `--restart` rule, so a service's binds are an admin's.
 * What Berth's DTO does not offer but a spec made elsewhere may hold is judged too (a disabled SELinux label,
 * a credential spec: security options; a volume's driver configuration: see `withMountVolumeOptions`).
 */
export function servicePolicyRequest(spec: EngineServiceSpec): CreatePolicyRequest {
  const container = spec.TaskTemplate.ContainerSpec;
  const mounts = ((container.Mounts ?? []) as ServiceMount[]).map((mount, index) => ({
    type: mount.Type,
    ...((mount.Source || anonymousWithDriver(mount)) && { source: mount.Source || anonymousVolumeName(index) }),
  }));
  const privileges = container.Privileges as
    | {
        SELinuxContext?: { Disable?: boolean; User?: string; Role?: string; Type?: string; Level?: string };
        CredentialSpec?: unknown;
        // API 1.44+: a spec an admin made on a newer engine; an operator's update would keep them unjudged.
        Seccomp?: { Mode?: string };
        AppArmor?: { Mode?: string };
      }
    | undefined;
  const seccomp = privileges?.Seccomp?.Mode;
  const securityOpt = [
    ...(privileges?.SELinuxContext?.Disable ? ['label=disable'] : []),
    ...(privileges?.SELinuxContext && !privileges.SELinuxContext.Disable ? ['label=user'] : []),
    ...(privileges?.CredentialSpec ? ['credentialspec'] : []),
    ...(seccomp && seccomp !== 'default' ? [`seccomp=${seccomp === 'unconfined' ? 'unconfined' : 'custom'}`] : []),
    ...(privileges?.AppArmor?.Mode && privileges.AppArmor.Mode !== 'default' ? ['apparmor=unconfined'] : []),
  ];
  return {
    mounts,
    ...(spec.TaskTemplate.Networks?.length && { networks: spec.TaskTemplate.Networks.map((network) => ({ name: network.Target })) }),
    capAdd: container.CapabilityAdd ?? [],
    securityOpt,
    restartPolicy: { name: 'swarm-orchestrated' },
  };
}

interface ServiceMount {
  Type: string;
  Source?: string;
  VolumeOptions?: { DriverConfig?: { Name?: string; Options?: Record<string, string> } };
}

/** A volume mount without a source makes an anonymous volume per task: with a driver configuration, one to judge. */
function anonymousWithDriver(mount: ServiceMount): boolean {
  return mount.Type === 'volume' && mount.VolumeOptions?.DriverConfig !== undefined;
}

/** The name the policy judges an anonymous volume by (looked up, it is missing; withMountVolumeOptions says what it is). */
function anonymousVolumeName(index: number): string {
  return `berth-anonymous-volume-of-mount-${index}`;
}

/**
 * A volume mount's `VolumeOptions.DriverConfig` (from a spec made elsewhere) creates the volume on the node with
 * that driver and those options: the policy judges it as an existing volume of that driver (local with `o=bind`
 * and `device=/` reaches the host's root).
 */
export function withMountVolumeOptions(spec: EngineServiceSpec, volumes: MountedVolume[]): MountedVolume[] {
  const configured = new Map<string, { Name?: string; Options?: Record<string, string> }>();
  ((spec.TaskTemplate.ContainerSpec.Mounts ?? []) as ServiceMount[]).forEach((mount, index) => {
    const driver = mount.VolumeOptions?.DriverConfig;
    if (mount.Type === 'volume' && driver && (driver.Name || Object.keys(driver.Options ?? {}).length))
      configured.set(mount.Source || anonymousVolumeName(index), driver);
  });
  return volumes.map((volume) => {
    const driver = configured.get(volume.name);
    if (!driver) return volume;
    return {
      ...volume,
      exists: true,
      driver: driver.Name || volume.driver || 'local',
      options: { ...volume.options, ...driver.Options },
    };
  });
}

/** The networks the policy judged → their full ids in the spec: the engine would resolve a name again later. */
export function pinServiceNetworks(spec: EngineServiceSpec, judged: CreatePolicyRequest['networks']): EngineServiceSpec {
  if (!spec.TaskTemplate.Networks?.length || !judged?.length) return spec;
  const networks = spec.TaskTemplate.Networks.map((network, index) => {
    const id = judged[index]?.name === network.Target ? judged[index].id : undefined;
    return id ? { ...network, Target: id } : network;
  });
  return { ...spec, TaskTemplate: { ...spec.TaskTemplate, Networks: networks } };
}
