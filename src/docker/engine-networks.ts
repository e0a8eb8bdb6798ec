import type { EngineCalls } from './engine-calls.js';
import type { EngineNetworkInspect } from './engine-types.js';

/** `docker network inspect` by name, id or id prefix: 404 NETWORK_NOT_FOUND. */
export function inspectNetwork(calls: EngineCalls, ref: string): Promise<EngineNetworkInspect> {
  return calls.call('network.inspect', (d) => d.getNetwork(ref).inspect() as Promise<EngineNetworkInspect>);
}
