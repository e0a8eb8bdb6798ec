import { Injectable } from '@nestjs/common';
import { HostAccess } from '../auth/host-access.js';
import type { Principal } from '../common/principal.js';
import { DockerHosts } from '../docker/docker-hosts.js';
import type { JobView } from './job-types.js';
import { JobsRepository } from './jobs.repository.js';
import { JobsService, jobNotFound } from './jobs.service.js';

/**
 * Jobs belong to a host: a caller sees the jobs of the hosts they may see (HostAccess), with their role
 * there; a job on another host is "not found", as an unknown one is.
 */
@Injectable()
export class JobAccess {
  constructor(
    private readonly jobs: JobsService,
    private readonly repository: JobsRepository,
    private readonly hosts: DockerHosts,
    private readonly access: HostAccess,
  ) {}

  /** The job and the caller as they act on its host; 404 JOB_NOT_FOUND when that host is invisible to them. */
  async open(principal: Principal, id: string): Promise<{ job: JobView; principal: Principal }> {
    const job = await this.jobs.get(id);
    const role = this.access.roleOn(principal, this.hostOf(job.host));
    if (role === undefined) throw jobNotFound(id);
    return { job, principal: role === principal.role ? principal : { ...principal, role } };
  }

  /** The caller's role on a job's host (undefined: they may not see it). */
  roleOnHost(principal: Principal, host: string): Principal['role'] | undefined {
    return this.access.roleOn(principal, this.hostOf(host));
  }

  /** The hosts whose jobs the caller may list; undefined: every host's. */
  async visibleHosts(principal: Principal): Promise<string[] | undefined> {
    if (this.access.seesEveryHost(principal)) return undefined;
    const ids = await this.repository.hosts();
    return ids.filter((id) => this.access.roleOn(principal, this.hostOf(id)) !== undefined);
  }

  /** A host's id and labels; a host removed since its jobs ran is matched by its id alone. */
  private hostOf(id: string): { id: string; labels?: Record<string, string> } {
    return this.hosts.list().find((engine) => engine.host.id === id)?.host ?? { id };
  }
}
