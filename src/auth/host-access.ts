import { Injectable } from '@nestjs/common';
import type { Role } from '../common/access.decorators.js';
import type { Principal } from '../common/principal.js';
import { hostNotFound } from '../docker/docker-hosts.js';
import type { HostDescriptor } from '../docker/engine.js';
import { type GrantedHost, hostRole, seesEveryHost } from '../common/host-grants.js';

/**
 * What a caller may do on each host: the one place per-host grants and API keys restricted to hosts
 * are applied (the rules: `hostRole` in host-grants.ts). The HTTP guard, the WebSocket channels, the
 * jobs and every list across hosts ask here; nobody else reads grants.
 */
@Injectable()
export class HostAccess {
  /** The caller's role on `host`; undefined: the host is invisible to them (404 HOST_NOT_FOUND, never 403). */
  roleOn(principal: Principal, host: HostDescriptor | GrantedHost): Role | undefined {
    return hostRole(principal, host);
  }

  /** The hosts among `hosts` the caller can see, in order. */
  visible<H extends { host: HostDescriptor }>(principal: Principal, hosts: H[]): H[] {
    if (seesEveryHost(principal)) return hosts;
    return hosts.filter((entry) => this.roleOn(principal, entry.host) !== undefined);
  }

  /** Whether the caller sees every host whatever its id or labels (no need to filter anything by host). */
  seesEveryHost(principal: Principal): boolean {
    return seesEveryHost(principal);
  }

  /** The caller's role on `host`; 404 HOST_NOT_FOUND when it is invisible to them, the very answer an unknown host gets. */
  requireRoleOn(principal: Principal, host: HostDescriptor | GrantedHost): Role {
    const role = this.roleOn(principal, host);
    if (role === undefined) throw hostNotFound(host.id);
    return role;
  }

  /** The principal as it acts on `host`: its role there (404 HOST_NOT_FOUND when invisible). */
  onHost(principal: Principal, host: HostDescriptor | GrantedHost): Principal {
    const role = this.requireRoleOn(principal, host);
    return role === principal.role ? principal : { ...principal, role };
  }
}
