import type { EngineCalls } from './engine-calls.js';
import { pathSegment } from './engine-paths.js';
import { registryHeader } from './registry-auth.js';
import type { EngineStreamTarget, RegistryAuth } from './engine-types.js';

// Swarm services and their tasks, as the engine's API has them (a manager node only).

export interface EngineServiceMount {
  Type: 'bind' | 'volume' | 'tmpfs';
  Source?: string;
  Target: string;
  ReadOnly?: boolean;
}

export interface EngineServiceResources {
  NanoCPUs?: number;
  MemoryBytes?: number;
}

export interface EngineUpdateConfig {
  Parallelism?: number;
  /** Nanoseconds. */
  Delay?: number;
  FailureAction?: 'pause' | 'continue' | 'rollback';
  /** Nanoseconds. */
  Monitor?: number;
  MaxFailureRatio?: number;
  Order?: 'stop-first' | 'start-first';
}

export interface EngineServicePort {
  Protocol?: 'tcp' | 'udp' | 'sctp';
  TargetPort: number;
  PublishedPort?: number;
  PublishMode?: 'ingress' | 'host';
}

/** The parts of a service spec Berth writes; what the engine adds (defaults, other fields) is kept on update. */
export interface EngineServiceSpec {
  Name?: string;
  Labels?: Record<string, string>;
  TaskTemplate: {
    ContainerSpec: {
      Image: string;
      Command?: string[];
      Args?: string[];
      Env?: string[];
      Labels?: Record<string, string>;
      Dir?: string;
      User?: string;
      TTY?: boolean;
      Mounts?: EngineServiceMount[];
      /** API 1.41+. */
      CapabilityAdd?: string[];
      CapabilityDrop?: string[];
      [other: string]: unknown;
    };
    Resources?: { Limits?: EngineServiceResources; Reservations?: EngineServiceResources };
    Placement?: { Constraints?: string[]; [other: string]: unknown };
    Networks?: Array<{ Target: string; Aliases?: string[] }>;
    ForceUpdate?: number;
    [other: string]: unknown;
  };
  Mode?: { Replicated?: { Replicas?: number }; Global?: Record<string, never> };
  UpdateConfig?: EngineUpdateConfig;
  RollbackConfig?: EngineUpdateConfig;
  EndpointSpec?: { Mode?: 'vip' | 'dnsrr'; Ports?: EngineServicePort[] };
  [other: string]: unknown;
}

/** `updating`, `paused`, `completed`, `rollback_started`, `rollback_paused`, `rollback_completed`. */
export interface EngineUpdateStatus {
  State?: string;
  StartedAt?: string;
  CompletedAt?: string;
  Message?: string;
}

export interface EngineService {
  ID: string;
  Version: { Index: number };
  CreatedAt: string;
  UpdatedAt: string;
  Spec: EngineServiceSpec;
  PreviousSpec?: EngineServiceSpec;
  Endpoint?: { Ports?: EngineServicePort[] };
  UpdateStatus?: EngineUpdateStatus;
  /** With `status=true` on a list (API 1.41). */
  ServiceStatus?: { RunningTasks: number; DesiredTasks: number; CompletedTasks?: number };
}

export interface EngineServiceTask {
  ID: string;
  ServiceID: string;
  NodeID?: string;
  Slot?: number;
  CreatedAt: string;
  UpdatedAt: string;
  DesiredState: string;
  Spec?: { ContainerSpec?: { Image?: string } };
  Status: {
    Timestamp?: string;
    State: string;
    Message?: string;
    Err?: string;
    ContainerStatus?: { ContainerID?: string; ExitCode?: number };
  };
}

const SERVICE_STATUSES: Record<number, true | string> = {
  200: true,
  201: true,
  400: 'bad parameter',
  403: 'forbidden',
  404: 'no such service',
  409: 'conflict',
  500: 'server error',
  503: 'node is not part of a swarm',
};

/** X-Registry-Auth for the nodes' pulls of a private image, encoded as the engine decodes it. */
const withAuth = (auth: RegistryAuth | undefined) => (auth ? { authconfig: { base64: registryHeader(auth) } } : {});

/** `docker service ls` with the engine's filters (`id`, `label`, `mode`, `name`); with each service's running/desired task counts. */
export function listServices(calls: EngineCalls, filters: Record<string, string[]> = {}): Promise<EngineService[]> {
  return calls.call('service.list', () =>
    calls.dial<EngineService[]>({
      path: '/services?',
      method: 'GET',
      options: { status: 'true', ...(Object.keys(filters).length > 0 && { filters: JSON.stringify(filters) }) },
      statusCodes: SERVICE_STATUSES,
    }),
  );
}

/** `docker service inspect` by id, id prefix or name: 404 SERVICE_NOT_FOUND. */
export function inspectService(calls: EngineCalls, ref: string): Promise<EngineService> {
  return calls.call('service.inspect', () =>
    calls.dial<EngineService>({ path: `/services/${pathSegment(ref)}?`, method: 'GET', statusCodes: SERVICE_STATUSES }),
  );
}

/** `docker service create`; credentials for a private image go along (X-Registry-Auth) for the nodes' pulls. */
export async function createService(
  calls: EngineCalls,
  spec: EngineServiceSpec,
  auth?: RegistryAuth,
): Promise<{ id: string; warnings: string[] }> {
  const created = await calls.call('service.create', () =>
    calls.dial<{ ID: string; Warnings?: string[] | null }>({
      path: '/services/create?',
      method: 'POST',
      // An empty `_query`: docker-modem would put the options themselves, body included, in the query string.
      options: { _query: {}, _body: spec },
      ...withAuth(auth),
      statusCodes: SERVICE_STATUSES,
    }),
  );
  return { id: created.ID, warnings: created.Warnings ?? [] };
}

/**
 * `docker service update` at `version` (the engine refuses a stale one: out of sequence), or with
 * `rollback` the engine's own rollback to the previous spec (`spec` is then the current one, unchanged).
 */
export async function updateService(
  calls: EngineCalls,
  id: string,
  version: number,
  spec: EngineServiceSpec,
  options: { rollback?: boolean; auth?: RegistryAuth } = {},
): Promise<{ warnings: string[] }> {
  const updated = await calls.call('service.update', () =>
    calls.dial<{ Warnings?: string[] | null }>({
      path: `/services/${pathSegment(id)}/update?`,
      method: 'POST',
      options: { _query: { version: String(version), ...(options.rollback && { rollback: 'previous' }) }, _body: spec },
      ...withAuth(options.auth),
      statusCodes: SERVICE_STATUSES,
    }),
  );
  return { warnings: updated?.Warnings ?? [] };
}

/** `docker service rm`. */
export function removeService(calls: EngineCalls, id: string): Promise<void> {
  return calls.call('service.remove', (d) =>
    d
      .getService(id)
      .remove()
      .then(() => undefined),
  );
}

/**
 * A service's tasks; `upToDate`: only those at the service's current spec (the engine's `_up-to-date`
 * filter, which `docker service update` follows its rollouts with).
 */
export function serviceTasks(calls: EngineCalls, serviceId: string, upToDate = false): Promise<EngineServiceTask[]> {
  const filters = { service: [serviceId], ...(upToDate && { '_up-to-date': ['true'] }) };
  return calls.call('service.tasks', () =>
    calls.dial<EngineServiceTask[]>({
      path: '/tasks?',
      method: 'GET',
      options: { filters: JSON.stringify(filters) },
      statusCodes: SERVICE_STATUSES,
    }),
  );
}

/** The service a log stream is about (404 SERVICE_NOT_FOUND before any stream opens); its log is read from `/services/{id}/logs`. */
export async function serviceStreamTarget(calls: EngineCalls, ref: string): Promise<EngineStreamTarget> {
  const service = await inspectService(calls, ref);
  return {
    id: service.ID,
    name: service.Spec.Name ?? service.ID.slice(0, 12),
    tty: Boolean(service.Spec.TaskTemplate.ContainerSpec.TTY),
    running: true,
    service: true,
  };
}
