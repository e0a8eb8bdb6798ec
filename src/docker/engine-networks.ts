import type { EngineCalls } from './engine-calls.js';
import type { EngineNetworkInspect } from './engine-types.js';

/** `docker network inspect` by name, id or id prefix: 404 NETWORK_NOT_FOUND. */
export function inspectNetwork(calls: EngineCalls, ref: string): Promise<EngineNetworkInspect> {
  return calls.call('network.inspect', (d) => d.getNetwork(ref).inspect() as Promise<EngineNetworkInspect>);
}

/** `docker network ls`: every network of the host (the list's `Containers` is empty: inspect tells who is connected). */
export function listNetworks(calls: EngineCalls): Promise<EngineNetworkInspect[]> {
  return calls.call('network.list', (d) => d.listNetworks() as Promise<EngineNetworkInspect[]>);
}

/** `docker network rm` by id: the engine refuses one with endpoints. */
export async function removeNetwork(calls: EngineCalls, id: string): Promise<void> {
  await calls.call('network.remove', (d) => d.getNetwork(id).remove() as Promise<unknown>);
}
