import { redactEnv } from '../common/redaction.js';
import type { EngineService, EngineServiceTask, EngineUpdateStatus } from '../docker/engine-services.js';
import type {
  ServiceInspectDto,
  ServicePublishedPortDto,
  ServiceSummaryDto,
  ServiceTaskDto,
  ServiceUpdateStatusDto,
} from './dto/service.dto.js';
import { fromResources, fromRolloutConfig } from './service-spec.js';

export function toServiceSummary(service: EngineService): ServiceSummaryDto {
  const spec = service.Spec;
  const replicated = !spec.Mode?.Global;
  const ports = service.Endpoint?.Ports ?? spec.EndpointSpec?.Ports ?? [];
  return {
    id: service.ID,
    name: spec.Name ?? '',
    image: spec.TaskTemplate.ContainerSpec.Image,
    mode: replicated ? 'replicated' : 'global',
    replicas: replicated ? (spec.Mode?.Replicated?.Replicas ?? 1) : null,
    runningTasks: service.ServiceStatus?.RunningTasks ?? null,
    desiredTasks: service.ServiceStatus?.DesiredTasks ?? null,
    ports: ports.map((port): ServicePublishedPortDto => ({
      target: port.TargetPort,
      published: port.PublishedPort ?? null,
      protocol: port.Protocol ?? 'tcp',
      mode: port.PublishMode ?? 'ingress',
    })),
    labels: spec.Labels ?? {},
    updateStatus: toUpdateStatus(service.UpdateStatus),
    version: service.Version.Index,
    createdAt: service.CreatedAt,
    updatedAt: service.UpdatedAt,
  };
}

function toUpdateStatus(status: EngineUpdateStatus | undefined): ServiceUpdateStatusDto | null {
  if (!status?.State) return null;
  return {
    state: status.State,
    startedAt: status.StartedAt ?? null,
    completedAt: status.CompletedAt ?? null,
    message: status.Message ?? '',
  };
}

export function toServiceTask(task: EngineServiceTask): ServiceTaskDto {
  return {
    id: task.ID,
    slot: task.Slot ?? null,
    nodeId: task.NodeID || null,
    image: task.Spec?.ContainerSpec?.Image ?? null,
    state: task.Status.State,
    desiredState: task.DesiredState,
    message: task.Status.Message ?? '',
    error: task.Status.Err || null,
    containerId: task.Status.ContainerStatus?.ContainerID || null,
    updatedAt: task.UpdatedAt,
  };
}

/** Newest first, as `docker service ps` lists them. */
const byUpdate = (a: EngineServiceTask, b: EngineServiceTask) => b.UpdatedAt.localeCompare(a.UpdatedAt);

/** The inspect view; `redact`: env values become `<redacted>` (a viewer under BERTH_VIEWER_REDACTION). */
export function toServiceInspect(service: EngineService, tasks: EngineServiceTask[], redact: boolean): ServiceInspectDto {
  const spec = service.Spec;
  const container = spec.TaskTemplate.ContainerSpec;
  const running = tasks.filter((task) => task.Status.State === 'running').length;
  const resources = spec.TaskTemplate.Resources;
  const limits = fromResources(resources?.Limits);
  const reservations = fromResources(resources?.Reservations);
  return {
    ...toServiceSummary(service),
    runningTasks: running,
    desiredTasks: tasks.filter((task) => task.DesiredState === 'running').length,
    cmd: container.Args ?? [],
    entrypoint: container.Command ?? [],
    env: redact ? redactEnv(container.Env ?? []) : (container.Env ?? []),
    containerLabels: container.Labels ?? {},
    mounts: (container.Mounts ?? []).map((mount) => ({
      type: mount.Type,
      ...(mount.Source !== undefined && { source: mount.Source }),
      target: mount.Target,
      readOnly: Boolean(mount.ReadOnly),
    })),
    networks: (spec.TaskTemplate.Networks ?? []).map((network) => network.Target),
    constraints: spec.TaskTemplate.Placement?.Constraints ?? [],
    resources: { ...(limits && { limits }), ...(reservations && { reservations }) },
    updateConfig: fromRolloutConfig(spec.UpdateConfig),
    rollbackConfig: fromRolloutConfig(spec.RollbackConfig),
    capAdd: container.CapabilityAdd ?? [],
    capDrop: container.CapabilityDrop ?? [],
    canRollback: Boolean(service.PreviousSpec),
    tasks: [...tasks].sort(byUpdate).map(toServiceTask),
  };
}
