import type { EngineNode, EngineNodeSpec, EngineSwarmObject, EngineSwarmStatus, EngineTask } from '../docker/engine-swarm.js';
import { SWARM_STATES, type SwarmDto } from './dto/swarm.dto.js';
import type { NodeDto, NodeUpdateDto } from './dto/node.dto.js';
import type { ConfigDto, SecretDto, SwarmObjectListQueryDto } from './dto/swarm-object.dto.js';
import type { TaskDto, TaskListQueryDto } from './dto/task.dto.js';

/** The engine's `0001-01-01T00:00:00Z` (Go's zero time) means "never". */
function time(value: string | undefined): string | undefined {
  return value && !value.startsWith('0001-') ? value : undefined;
}

/** `docker info`'s Swarm part as Berth answers it; the cluster's details exist on a manager only. */
export function toSwarm(status: EngineSwarmStatus): SwarmDto {
  const state = (SWARM_STATES as readonly string[]).includes(status.LocalNodeState)
    ? (status.LocalNodeState as SwarmDto['state'])
    : 'error';
  const manager = state === 'active' && status.ControlAvailable === true;
  return {
    state,
    manager,
    ...(status.NodeID && { nodeId: status.NodeID }),
    ...(status.NodeAddr && { nodeAddress: status.NodeAddr }),
    ...(manager && status.Cluster?.ID && { clusterId: status.Cluster.ID }),
    ...(manager && time(status.Cluster?.CreatedAt) && { createdAt: time(status.Cluster?.CreatedAt) }),
    ...(manager && time(status.Cluster?.UpdatedAt) && { updatedAt: time(status.Cluster?.UpdatedAt) }),
    ...(manager && status.Nodes !== undefined && { nodes: status.Nodes }),
    ...(manager && status.Managers !== undefined && { managers: status.Managers }),
    ...(status.Error && { error: status.Error }),
  };
}

export function toNode(node: EngineNode): NodeDto {
  const description = node.Description ?? {};
  const nanoCpus = description.Resources?.NanoCPUs;
  return {
    id: node.ID,
    hostname: description.Hostname ?? '',
    role: node.Spec.Role ?? 'worker',
    availability: node.Spec.Availability ?? 'active',
    state: node.Status?.State ?? 'unknown',
    ...(node.Status?.Addr && { address: node.Status.Addr }),
    leader: node.ManagerStatus?.Leader === true,
    ...(node.ManagerStatus?.Reachability && { reachability: node.ManagerStatus.Reachability }),
    ...(description.Engine?.EngineVersion && { engineVersion: description.Engine.EngineVersion }),
    ...(description.Platform?.OS && { os: description.Platform.OS }),
    ...(description.Platform?.Architecture && { architecture: description.Platform.Architecture }),
    ...(nanoCpus !== undefined && { cpus: nanoCpus / 1e9 }),
    ...(description.Resources?.MemoryBytes !== undefined && { memoryBytes: description.Resources.MemoryBytes }),
    labels: node.Spec.Labels ?? {},
    ...(time(node.CreatedAt) && { createdAt: time(node.CreatedAt) }),
    ...(time(node.UpdatedAt) && { updatedAt: time(node.UpdatedAt) }),
  };
}

/** The node's whole spec with the update applied: the engine replaces the spec, so what is not changed is sent back as it was. */
export function patchedNodeSpec(spec: EngineNodeSpec, update: NodeUpdateDto): EngineNodeSpec {
  const labels = { ...(spec.Labels ?? {}) };
  for (const [key, value] of Object.entries(update.labels ?? {})) {
    if (value === null) delete labels[key];
    else labels[key] = value;
  }
  return { ...spec, Labels: labels, ...(update.availability && { Availability: update.availability }) };
}

export function toTask(task: EngineTask): TaskDto {
  const status = task.Status ?? {};
  const container = status.ContainerStatus ?? {};
  return {
    id: task.ID,
    ...(task.ServiceID && { serviceId: task.ServiceID }),
    ...(task.Slot !== undefined && task.Slot > 0 && { slot: task.Slot }),
    ...(task.NodeID && { nodeId: task.NodeID }),
    ...(task.Spec?.ContainerSpec?.Image && { image: task.Spec.ContainerSpec.Image }),
    ...(task.DesiredState && { desiredState: task.DesiredState }),
    ...(status.State && { state: status.State }),
    ...(status.Message && { message: status.Message }),
    ...(status.Err && { error: status.Err }),
    ...(container.ContainerID && { containerId: container.ContainerID }),
    ...(container.ContainerID && container.ExitCode !== undefined && { exitCode: container.ExitCode }),
    ...(time(status.Timestamp) && { stateSince: time(status.Timestamp) }),
    ...(time(task.CreatedAt) && { createdAt: time(task.CreatedAt) }),
    labels: task.Labels ?? {},
  };
}

/** The task list's query as the engine's filters (`desiredState` is the CLI's `desired-state`). */
export function taskFilters(query: TaskListQueryDto): Record<string, string[]> {
  return {
    ...(query.service && { service: query.service }),
    ...(query.node && { node: query.node }),
    ...(query.desiredState && { 'desired-state': query.desiredState }),
    ...(query.label && { label: query.label }),
  };
}

export function objectFilters(query: SwarmObjectListQueryDto): Record<string, string[]> {
  return { ...(query.name && { name: query.name }), ...(query.label && { label: query.label }) };
}

/** A secret as anyone sees it: metadata only (the engine never sends `Data` back for secrets; it is dropped here all the same). */
export function toSecret(secret: EngineSwarmObject): SecretDto {
  return {
    id: secret.ID,
    name: secret.Spec.Name,
    labels: secret.Spec.Labels ?? {},
    driver: secret.Spec.Driver?.Name ?? null,
    ...(time(secret.CreatedAt) && { createdAt: time(secret.CreatedAt) }),
    ...(time(secret.UpdatedAt) && { updatedAt: time(secret.UpdatedAt) }),
  };
}

/** A config with its data as text when it is UTF-8 (base64 otherwise); `withData` false: data null (lists, redacted viewers). */
export function toConfig(config: EngineSwarmObject, withData: boolean): ConfigDto {
  const bytes = Buffer.from(config.Spec.Data ?? '', 'base64');
  const text = bytes.toString('utf8');
  const utf8 = Buffer.from(text, 'utf8').equals(bytes);
  return {
    id: config.ID,
    name: config.Spec.Name,
    labels: config.Spec.Labels ?? {},
    data: withData ? (utf8 ? text : bytes.toString('base64')) : null,
    encoding: utf8 ? 'utf8' : 'base64',
    sizeBytes: bytes.length,
    ...(time(config.CreatedAt) && { createdAt: time(config.CreatedAt) }),
    ...(time(config.UpdatedAt) && { updatedAt: time(config.UpdatedAt) }),
  };
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** A value's bytes from its text or base64; undefined for base64 that is not base64 (Buffer would skip the bad characters). */
export function valueBytes(value: string, encoding: 'utf8' | 'base64' = 'utf8'): Buffer | undefined {
  if (encoding === 'utf8') return Buffer.from(value, 'utf8');
  return BASE64.test(value) ? Buffer.from(value, 'base64') : undefined;
}
