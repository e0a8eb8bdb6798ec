import { Injectable } from '@nestjs/common';
import type { Role } from '../common/access.decorators.js';
import type { Principal } from '../common/principal.js';
import type { HostDescriptor } from '../docker/engine.js';

/**
 * What a caller may do on each host. Today: the caller's global role everywhere. Per-host grants
 * (a role on a host id or on hosts matching a label) and API keys restricted to hosts refine it here.
 */
@Injectable()
export class HostAccess {
  /** The caller's role on `host`; undefined: the host is invisible to them (404 HOST_NOT_FOUND, never 403). */
  roleOn(principal: Principal, host: HostDescriptor): Role | undefined {
    void host;
    return principal.role;
  }

  /** The hosts among `hosts` the caller can see, in order. */
  visible<H extends { host: HostDescriptor }>(principal: Principal, hosts: H[]): H[] {
    return hosts.filter((entry) => this.roleOn(principal, entry.host) !== undefined);
  }
}
