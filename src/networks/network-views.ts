import { BlockList, isIP } from 'node:net';
import type { EngineContainerSummary, EngineNetworkInspect } from '../docker/engine-types.js';
import type { NetworkDto, NetworkEndpointDto, NetworkIpamDto } from './dto/network.dto.js';

/** The engine's own networks: they cannot be removed and are never a user's. */
export const PREDEFINED_NETWORKS = new Set(['bridge', 'host', 'none']);

/** Drivers a non-admin may create networks with: they make a private segment behind NAT, nothing on the host's interfaces. */
export const NON_ADMIN_NETWORK_DRIVERS = ['bridge', 'overlay'];

/** The containers connected to each network (by network id), from the container list. */
export function networkUsers(
  containers: ReadonlyArray<Pick<EngineContainerSummary, 'Id' | 'Names' | 'NetworkSettings'>>,
): Map<string, NetworkEndpointDto[]> {
  const users = new Map<string, NetworkEndpointDto[]>();
  for (const container of containers) {
    const name = (container.Names?.[0] ?? '').replace(/^\//, '') || container.Id.slice(0, 12);
    for (const endpoint of Object.values(container.NetworkSettings?.Networks ?? {})) {
      if (!endpoint.NetworkID) continue;
      const list = users.get(endpoint.NetworkID) ?? [];
      list.push({ id: container.Id, name });
      users.set(endpoint.NetworkID, list);
    }
  }
  return users;
}

type EngineNetwork = EngineNetworkInspect & { Created?: string };

/** A network as Berth shows it; `containers` from the inspect when given there, else from `listed` (the list has none). */
export function toNetwork(network: EngineNetwork, listed?: NetworkEndpointDto[]): NetworkDto {
  const fromInspect = Object.entries(network.Containers ?? {}).map(([id, endpoint]) => ({
    id,
    name: endpoint.Name,
    ...(endpoint.IPv4Address && { ipv4Address: endpoint.IPv4Address }),
    ...(endpoint.IPv6Address && { ipv6Address: endpoint.IPv6Address }),
    ...(endpoint.MacAddress && { macAddress: endpoint.MacAddress }),
  }));
  return {
    id: network.Id,
    name: network.Name,
    driver: network.Driver,
    scope: network.Scope,
    internal: Boolean(network.Internal),
    attachable: Boolean(network.Attachable),
    predefined: PREDEFINED_NETWORKS.has(network.Name),
    ...(network.Created && { createdAt: network.Created }),
    labels: network.Labels ?? {},
    options: network.Options ?? {},
    ipam: {
      driver: network.IPAM?.Driver ?? 'default',
      subnets: (network.IPAM?.Config ?? []).map((config) => ({
        ...(config.Subnet && { subnet: config.Subnet }),
        ...(config.Gateway && { gateway: config.Gateway }),
        ...(config.IPRange && { ipRange: config.IPRange }),
      })),
    },
    containers: listed ?? fromInspect,
  };
}

/** The CLI's network filters → the engine's. */
export function networkFilters(query: {
  driver?: string[];
  label?: string[];
  name?: string[];
  type?: string;
  dangling?: boolean;
}): Record<string, string[]> {
  const filters: Record<string, string[]> = {};
  for (const key of ['driver', 'label', 'name'] as const) if (query[key]?.length) filters[key] = [...query[key]];
  if (query.type) filters.type = [query.type];
  // `dangling` is Berth's (see isDangling): engine 1.41 calls a network with running containers dangling.
  return filters;
}

/** `docker network prune`'s notion: no container connected, and not one of the engine's own. */
export function isDangling(network: Pick<NetworkDto, 'name' | 'containers'>): boolean {
  return network.containers.length === 0 && !PREDEFINED_NETWORKS.has(network.name);
}

/** `a.b.c.d/n` or `x::/n`: the address family and prefix, or undefined when it is not a CIDR. */
export function parseCidr(value: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | undefined {
  const match = /^([^/]+)\/(\d{1,3})$/.exec(value);
  if (!match) return undefined;
  const version = isIP(match[1]);
  const prefix = Number(match[2]);
  if (version === 0 || prefix > (version === 4 ? 32 : 128)) return undefined;
  return { address: match[1], prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/** Whether `address` lies in `cidr` (same family). */
function contains(cidr: { address: string; prefix: number; family: 'ipv4' | 'ipv6' }, address: string, family: 'ipv4' | 'ipv6'): boolean {
  if (family !== cidr.family) return false;
  const block = new BlockList();
  block.addSubnet(cidr.address, cidr.prefix, cidr.family);
  return block.check(address, family);
}

/** IPAM that the engine would refuse, or take in a way the caller did not mean: each as a 400 field error. */
export function ipamProblems(ipam: NetworkIpamDto | undefined): Array<{ field: string; message: string }> {
  const problems: Array<{ field: string; message: string }> = [];
  (ipam?.subnets ?? []).forEach((entry, index) => {
    const at = `ipam.subnets[${index}]`;
    const subnet = parseCidr(entry.subnet);
    if (!subnet) {
      problems.push({ field: `${at}.subnet`, message: `${entry.subnet} is not a CIDR (10.20.0.0/24, fd00::/64)` });
      return;
    }
    if (entry.gateway !== undefined) {
      const family = isIP(entry.gateway);
      if (family === 0) problems.push({ field: `${at}.gateway`, message: `${entry.gateway} is not an IP address` });
      else if (!contains(subnet, entry.gateway, family === 4 ? 'ipv4' : 'ipv6'))
        problems.push({ field: `${at}.gateway`, message: `${entry.gateway} is not in ${entry.subnet}` });
    }
    if (entry.ipRange !== undefined) {
      const range = parseCidr(entry.ipRange);
      if (!range) problems.push({ field: `${at}.ipRange`, message: `${entry.ipRange} is not a CIDR` });
      else if (range.prefix < subnet.prefix || !contains(subnet, range.address, range.family))
        problems.push({ field: `${at}.ipRange`, message: `${entry.ipRange} is not inside ${entry.subnet}` });
    }
  });
  return problems;
}
