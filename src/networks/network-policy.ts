import type { PolicyViolation } from '../containers/create-policy.js';
import type { NetworkCreateDto } from './dto/network.dto.js';
import { NON_ADMIN_NETWORK_DRIVERS } from './network-views.js';

/**
 * What in a network create reaches past a private segment, so that only an admin may: a driver that joins the host's
 * interfaces or stack (`macvlan`/`ipvlan` with `parent=eth0`, `host`, plugins), driver options (`com.docker.network.bridge.name`
 * can take over an existing host bridge; `parent` picks a host interface), and chosen subnets (each becomes a host route:
 * `10.0.0.0/30` would shadow the host's own gateway or DNS; without one the engine picks a free subnet, checked against the host's routes).
 */
export function networkCreateViolations(dto: Pick<NetworkCreateDto, 'name' | 'driver' | 'options' | 'ipam'>): PolicyViolation[] {
  const found: PolicyViolation[] = [];
  const driver = dto.driver ?? 'bridge';
  if (!NON_ADMIN_NETWORK_DRIVERS.includes(driver))
    found.push({
      rule: 'network-driver',
      detail: `network ${dto.name}: the driver ${driver} is for admins (non-admins: ${NON_ADMIN_NETWORK_DRIVERS.join(', ')})`,
    });
  const options = Object.keys(dto.options ?? {});
  if (options.length)
    found.push({
      rule: 'network-driver-options',
      detail: `network ${dto.name}: driver options (${options.join(', ')}) can reach the host's interfaces`,
    });
  const subnets = (dto.ipam?.subnets ?? []).map((s) => s.subnet);
  if (subnets.length)
    found.push({
      rule: 'network-ipam',
      detail: `network ${dto.name}: subnets (${subnets.join(', ')}) become host routes and may shadow the host's own; omit them and the engine picks a free one`,
    });
  return found;
}
