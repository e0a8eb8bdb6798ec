import { Injectable } from '@nestjs/common';
import type { Role } from '../common/access.decorators.js';
import { type Page, type PageOrder, type PageRequest, encodeCursor } from '../common/pagination.js';
import type { Principal } from '../common/principal.js';
import { ProblemException } from '../common/problem.js';
import { validationFailed } from '../common/validation.js';
import { HostAccess } from '../auth/host-access.js';
import { AppConfig } from '../config/app-config.js';
import { CONTAINER_ORDER, ContainersService } from '../containers/containers.service.js';
import type { ContainerSummaryDto } from '../containers/dto/container-summary.dto.js';
import { DockerHosts } from '../docker/docker-hosts.js';
import type { ImageSummaryDto } from '../images/dto/image-summary.dto.js';
import { IMAGE_ORDER, ImagesService } from '../images/images.service.js';
import type { VolumeDto } from '../volumes/dto/volume.dto.js';
import { VOLUME_ORDER, VolumesService } from '../volumes/volumes.service.js';
import { FLEET_ALL_HOSTS, FleetContainerListQueryDto, FleetImageListQueryDto, FleetVolumeListQueryDto } from './dto/fleet.dto.js';
import { type FleetPage, readFleetPage } from './fleet-page.js';

/** A host a fleet list reads, with the caller's role there (the per-host list's redaction follows it). */
interface FleetHost {
  id: string;
  role: Role;
}

/**
 * Lists across the hosts a caller can see: each host's own list (its service, filters, coalescing and redaction),
 * read in parallel and merged into one page (see readFleetPage for the order, the cursor and `errors`).
 */
@Injectable()
export class FleetService {
  constructor(
    private readonly hosts: DockerHosts,
    private readonly access: HostAccess,
    private readonly config: AppConfig,
    private readonly containers: ContainersService,
    private readonly images: ImagesService,
    private readonly volumes: VolumesService,
  ) {}

  listContainers(principal: Principal | undefined, query: FleetContainerListQueryDto): Promise<FleetPage<ContainerSummaryDto>> {
    const { host, limit, cursor, ...filters } = query;
    return this.read(principal, host, { limit, cursor }, CONTAINER_ORDER, (id, page) => this.containers.list(id, { ...filters, ...page }));
  }

  listImages(principal: Principal | undefined, query: FleetImageListQueryDto): Promise<FleetPage<ImageSummaryDto>> {
    const { host, limit, cursor, ...filters } = query;
    return this.read(principal, host, { limit, cursor }, IMAGE_ORDER, (id, page) => this.images.list(id, { ...filters, ...page }));
  }

  listVolumes(principal: Principal | undefined, query: FleetVolumeListQueryDto): Promise<FleetPage<VolumeDto>> {
    const { host, limit, cursor, ...filters } = query;
    return this.read(principal, host, { limit, cursor }, VOLUME_ORDER, (id, page, caller) =>
      this.volumes.list(id, { ...filters, ...page }, caller),
    );
  }

  private async read<T>(
    principal: Principal | undefined,
    selector: string[],
    request: PageRequest,
    order: PageOrder<T>,
    list: (host: string, request: PageRequest, caller: Principal) => Promise<Page<T>>,
  ): Promise<FleetPage<T>> {
    // The guard lets no request through without a principal; without one, no host is visible.
    const callers = new Map(principal ? this.select(principal, selector).map(({ id, role }) => [id, { ...principal, role }]) : []);
    return readFleetPage(
      [...callers.keys()],
      // The per-host list redacts by the caller's role on that host, as `/hosts/{host}/...` does.
      (host, page) => list(host, page, callers.get(host) as Principal),
      request,
      { timeoutMs: this.config.fleetHostTimeoutMs, cursorOf: (item) => encodeCursor(order.key(item)) },
    );
  }

  /**
   * `all`: every host the caller can see; named hosts: each must be one the caller can see, else 404 HOST_NOT_FOUND
   * (the answer `/hosts/{host}` gives, so a hidden host and a missing one look alike).
   */
  private select(principal: Principal, selector: string[]): FleetHost[] {
    const visible = new Map<string, Role>();
    for (const { host } of this.hosts.list()) {
      const role = this.access.roleOn(principal, host);
      if (role) visible.set(host.id, role);
    }
    if (selector.includes(FLEET_ALL_HOSTS)) {
      if (selector.some((id) => id !== FLEET_ALL_HOSTS))
        throw validationFailed([{ field: 'host', message: 'host=all reads every host you can see: give it alone, or host ids' }]);
      return [...visible].map(([id, role]) => ({ id, role }));
    }
    return [...new Set(selector)].map((id) => {
      const role = visible.get(id);
      if (!role) throw new ProblemException(404, 'HOST_NOT_FOUND', `No host '${id}'.`);
      return { id, role };
    });
  }
}
