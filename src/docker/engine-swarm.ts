import type { EngineCalls } from './engine-calls.js';
import { pathSegment } from './engine-paths.js';

/** The Swarm part of `GET /info`: what every engine says about its membership, manager or not (never the join tokens). */
export interface EngineSwarmStatus {
  NodeID?: string;
  NodeAddr?: string;
  /** `inactive`, `pending`, `active`, `error` or `locked`. */
  LocalNodeState: string;
  ControlAvailable?: boolean;
  Error?: string;
  Nodes?: number;
  Managers?: number;
  /** Only on a manager. */
  Cluster?: { ID: string; CreatedAt?: string; UpdatedAt?: string };
}

export interface EngineObjectVersion {
  Index: number;
}

/** What `docker node update` changes: the whole spec is sent back, with the version it was read at. */
export interface EngineNodeSpec {
  Name?: string;
  Labels?: Record<string, string>;
  Role?: string;
  Availability?: string;
}

/** `GET /nodes/{id}`. */
export interface EngineNode {
  ID: string;
  Version: EngineObjectVersion;
  CreatedAt?: string;
  UpdatedAt?: string;
  Spec: EngineNodeSpec;
  Description?: {
    Hostname?: string;
    Platform?: { Architecture?: string; OS?: string };
    Resources?: { NanoCPUs?: number; MemoryBytes?: number };
    Engine?: { EngineVersion?: string; Labels?: Record<string, string> };
  };
  Status?: { State?: string; Message?: string; Addr?: string };
  ManagerStatus?: { Leader?: boolean; Reachability?: string; Addr?: string };
}

/** `GET /tasks`. */
export interface EngineTask {
  ID: string;
  Version?: EngineObjectVersion;
  CreatedAt?: string;
  UpdatedAt?: string;
  Labels?: Record<string, string>;
  Spec?: { ContainerSpec?: { Image?: string } };
  ServiceID?: string;
  Slot?: number;
  NodeID?: string;
  Status?: {
    Timestamp?: string;
    State?: string;
    Message?: string;
    Err?: string;
    ContainerStatus?: { ContainerID?: string; PID?: number; ExitCode?: number };
  };
  DesiredState?: string;
}

/** A secret or a config as the engine lists it; a secret's `Spec.Data` never comes back, a config's does. */
export interface EngineSwarmObject {
  ID: string;
  Version?: EngineObjectVersion;
  CreatedAt?: string;
  UpdatedAt?: string;
  Spec: { Name: string; Labels?: Record<string, string>; Data?: string; Driver?: { Name: string }; Templating?: { Name: string } };
}

/** `docker secret create` / `docker config create`: `Data` is the value in base64. */
export interface EngineSwarmObjectCreate {
  Name: string;
  Labels: Record<string, string>;
  Data: string;
}

/** Swarm's kinds of stored objects: same calls, same shapes (a config's data is readable, a secret's never). */
export type SwarmObjectKind = 'secret' | 'config';

const SWARM_STATUSES = {
  200: true,
  400: 'bad parameter',
  404: 'not found',
  406: 'node is not part of a swarm',
  500: 'server error',
  503: 'node is not a swarm manager',
} as const;

/** The Swarm part of `GET /info`: answers on any engine, in a swarm or not. */
export async function swarmStatus(calls: EngineCalls): Promise<EngineSwarmStatus> {
  const info = await calls.call('swarm.status', (d) => d.info() as Promise<{ Swarm?: EngineSwarmStatus }>);
  return info.Swarm ?? { LocalNodeState: 'inactive' };
}

/** `docker node ls` with the engine's filters (`id`, `label`, `node.label`, `membership`, `name`, `role`). */
export function listNodes(calls: EngineCalls, filters: Record<string, string[]> = {}): Promise<EngineNode[]> {
  return calls.call('node.list', (d) => d.listNodes({ filters: JSON.stringify(filters) }) as Promise<EngineNode[]>);
}

/** `docker node inspect` by id, id prefix or hostname: 404 NODE_NOT_FOUND. */
export function inspectNode(calls: EngineCalls, ref: string): Promise<EngineNode> {
  return calls.call('node.inspect', (d) => d.getNode(ref).inspect() as Promise<EngineNode>);
}

/** `docker node update`: the whole spec, at the version it was read (a changed node is the engine's "update out of sequence"). */
export function updateNode(calls: EngineCalls, id: string, version: number, spec: EngineNodeSpec): Promise<void> {
  return calls.call('node.update', () =>
    calls
      .dial<unknown>({
        path: `/nodes/${pathSegment(id)}/update?`,
        method: 'POST',
        options: { _query: { version }, _body: spec },
        statusCodes: SWARM_STATUSES,
      })
      .then(() => undefined),
  );
}

/** `docker service ps` / `docker node ps` as the engine lists tasks: filters `service`, `node`, `desired-state`, `id`, `name`, `label`. */
export function listTasks(calls: EngineCalls, filters: Record<string, string[]> = {}): Promise<EngineTask[]> {
  return calls.call('task.list', (d) => d.listTasks({ filters }) as Promise<EngineTask[]>);
}

/** `docker secret ls` / `docker config ls` with the engine's filters (`id`, `label`, `name`). */
export function listSwarmObjects(
  calls: EngineCalls,
  kind: SwarmObjectKind,
  filters: Record<string, string[]> = {},
): Promise<EngineSwarmObject[]> {
  return calls.call(
    `${kind}.list`,
    (d) => (kind === 'secret' ? d.listSecrets({ filters }) : d.listConfigs({ filters })) as Promise<EngineSwarmObject[]>,
  );
}

/** `docker secret inspect` / `docker config inspect` by id, id prefix or name: 404 SECRET_NOT_FOUND / CONFIG_NOT_FOUND. */
export function inspectSwarmObject(calls: EngineCalls, kind: SwarmObjectKind, ref: string): Promise<EngineSwarmObject> {
  return calls.call(
    `${kind}.inspect`,
    (d) => (kind === 'secret' ? d.getSecret(ref).inspect() : d.getConfig(ref).inspect()) as Promise<EngineSwarmObject>,
  );
}

/** `docker secret create` / `docker config create`: a name in use is 409 NAME_CONFLICT. */
export async function createSwarmObject(calls: EngineCalls, kind: SwarmObjectKind, spec: EngineSwarmObjectCreate): Promise<{ id: string }> {
  const created = await calls.call(`${kind}.create`, () =>
    calls.dial<{ ID: string }>({
      path: `/${kind}s/create?`,
      method: 'POST',
      options: { _body: spec },
      statusCodes: { ...SWARM_STATUSES, 201: true, 409: 'name conflicts with an existing object' },
    }),
  );
  return { id: created.ID };
}

/** `docker secret rm` / `docker config rm`: one a service uses is 409 SECRET_IN_USE / CONFIG_IN_USE. */
export function removeSwarmObject(calls: EngineCalls, kind: SwarmObjectKind, id: string): Promise<void> {
  return calls.call(`${kind}.remove`, (d) =>
    (kind === 'secret' ? d.getSecret(id).remove() : d.getConfig(id).remove()).then(() => undefined),
  );
}
