import type { EngineCalls } from './engine-calls.js';
import type { EngineNetworkConnect, EngineNetworkCreate, EngineNetworkInspect } from './engine-types.js';

/** `docker network inspect` by name, id or id prefix: 404 NETWORK_NOT_FOUND. */
export function inspectNetwork(calls: EngineCalls, ref: string): Promise<EngineNetworkInspect> {
  return calls.call('network.inspect', (d) => d.getNetwork(ref).inspect() as Promise<EngineNetworkInspect>);
}

/** `docker network ls` with the engine's filters (`driver`, `label`, `name`, `id`, `type`, `dangling`, `scope`). */
export function listNetworks(calls: EngineCalls, filters: Record<string, string[]> = {}): Promise<EngineNetworkInspect[]> {
  return calls.call('network.list', (d) => d.listNetworks({ filters }) as Promise<EngineNetworkInspect[]>);
}

/** `docker network create`; CheckDuplicate always, so a name in use is 409 NAME_CONFLICT, never a second network of that name. */
export async function createNetwork(calls: EngineCalls, spec: EngineNetworkCreate): Promise<{ id: string; warning?: string }> {
  const created = await calls.call('network.create', () =>
    calls.dial<{ Id: string; Warning?: string }>({
      path: '/networks/create?',
      method: 'POST',
      options: { _body: { ...spec, CheckDuplicate: true } },
      statusCodes: {
        200: true,
        201: true,
        400: 'bad parameter',
        403: 'forbidden',
        404: 'plugin not found',
        409: 'conflict',
        500: 'server error',
      },
    }),
  );
  return { id: created.Id, ...(created.Warning && { warning: created.Warning }) };
}

/** `docker network rm`: 409 NETWORK_IN_USE with endpoints, 403 PREDEFINED_NETWORK for bridge, host, none. */
export function removeNetwork(calls: EngineCalls, id: string): Promise<void> {
  return calls.call('network.remove', (d) =>
    d
      .getNetwork(id)
      .remove()
      .then(() => undefined),
  );
}

/** `docker network connect [--alias]`. */
export function connectNetwork(calls: EngineCalls, id: string, connect: EngineNetworkConnect): Promise<void> {
  return calls.call('network.connect', (d) =>
    d
      .getNetwork(id)
      .connect(connect)
      .then(() => undefined),
  );
}

/** `docker network disconnect [-f]`. */
export function disconnectNetwork(calls: EngineCalls, id: string, container: string, force: boolean): Promise<void> {
  return calls.call('network.disconnect', (d) =>
    d
      .getNetwork(id)
      .disconnect({ Container: container, Force: force })
      .then(() => undefined),
  );
}
