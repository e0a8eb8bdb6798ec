import { type Page, pageOf } from '../common/pagination.js';
import { PolicyException, withExceptionAudit } from '../containers/policy-exception-audit.js';
import { Injectable } from '@nestjs/common';
import { AuditLog } from '../audit/audit-log.js';
import type { Principal } from '../common/principal.js';
import { ProblemException, isProblem } from '../common/problem.js';
import { validationFailed } from '../common/validation.js';
import { ContainerPolicy, policyDenied } from '../containers/container-policy.js';
import { DockerHosts } from '../docker/docker-hosts.js';
import type {
  NetworkConnectDto,
  NetworkCreateDto,
  NetworkCreatedDto,
  NetworkDisconnectDto,
  NetworkDto,
  NetworkListQueryDto,
} from './dto/network.dto.js';
import { networkCreateViolations } from './network-policy.js';
import { PREDEFINED_NETWORKS, ipamProblems, isDangling, networkFilters, networkUsers, toNetwork } from './network-views.js';

export const NETWORK_POLICY_EXCEPTION_ACTION = 'network.create.policy-exception';

/** Networks of a host, as `docker network` knows them. */
/** Names, then ids: the engine allows two networks of one name. */
const NETWORK_ORDER = { key: (n: NetworkDto) => [n.name, n.id], parts: 2 };

@Injectable()
export class NetworksService {
  constructor(
    private readonly hosts: DockerHosts,
    private readonly audit: AuditLog,
    private readonly policy: ContainerPolicy,
  ) {}

  /** `docker network ls` by name, paged, each with its containers (from the container list: the engine's network list has none); `dangling` judged by those. */
  async list(hostId: string, query: NetworkListQueryDto): Promise<Page<NetworkDto>> {
    const engine = this.hosts.get(hostId);
    const [networks, containers] = await Promise.all([engine.listNetworks(networkFilters(query)), engine.listContainers({ all: true })]);
    const users = networkUsers(containers);
    const all = networks
      .map((network) => toNetwork(network, users.get(network.Id) ?? []))
      .filter((network) => query.dangling === undefined || isDangling(network) === query.dangling);
    return pageOf(all, query, NETWORK_ORDER);
  }

  /** `docker network inspect`, with its containers and their addresses. */
  async inspect(hostId: string, ref: string): Promise<NetworkDto> {
    return toNetwork(await this.hosts.get(hostId).inspectNetwork(ref));
  }

  /** `docker network create`: non-admins get bridge and overlay without options or subnets (see networkCreateViolations). */
  async create(hostId: string, dto: NetworkCreateDto, principal: Principal | undefined): Promise<NetworkCreatedDto> {
    const engine = this.hosts.get(hostId);
    const problems = ipamProblems(dto.ipam);
    if (problems.length) throw validationFailed(problems);
    const violations = networkCreateViolations(dto);
    if (violations.length && principal?.role !== 'admin')
      throw policyDenied(violations, 'The create policy denies this network; only an admin may create it');
    const exception: PolicyException | undefined = violations.length
      ? {
          action: NETWORK_POLICY_EXCEPTION_ACTION,
          actor: principal,
          violations,
          details: { host: hostId, name: dto.name, driver: dto.driver ?? 'bridge' },
        }
      : undefined;
    return withExceptionAudit(
      this.audit,
      exception,
      async () => {
        const created = await engine.createNetwork({
          Name: dto.name,
          Driver: dto.driver ?? 'bridge',
          Internal: dto.internal ?? false,
          Attachable: dto.attachable ?? false,
          Labels: dto.labels ?? {},
          Options: dto.options ?? {},
          ...(dto.ipam && {
            IPAM: {
              Driver: 'default',
              Config: dto.ipam.subnets.map((s) => ({
                Subnet: s.subnet,
                ...(s.gateway && { Gateway: s.gateway }),
                ...(s.ipRange && { IPRange: s.ipRange }),
              })),
            },
          }),
        });
        return { id: created.id, name: dto.name, ...(created.warning && { warning: created.warning }) };
      },
      (created) => created.id,
    );
  }

  /** `docker network rm`: the engine's own networks 403 PREDEFINED_NETWORK; connected containers 409 NETWORK_IN_USE naming them. */
  async remove(hostId: string, ref: string): Promise<void> {
    const engine = this.hosts.get(hostId);
    const network = await engine.inspectNetwork(ref);
    if (PREDEFINED_NETWORKS.has(network.Name))
      throw new ProblemException(403, 'PREDEFINED_NETWORK', `${network.Name} is one of the engine's own networks; it cannot be removed.`);
    const containers = toNetwork(network).containers.map(({ id, name }) => ({ id, name }));
    if (containers.length) throw inUse(network.Name, containers);
    // By its full id: the name may be another network's by now.
    await engine.removeNetwork(network.Id);
  }

  /**
   * `docker network connect`: the network and the container resolved to full ids first; a host-driver network, or a
   * policy-exception container, is an admin's (ContainerPolicy, as for a create's `network` and for exec).
   */
  async connect(hostId: string, ref: string, dto: NetworkConnectDto, principal: Principal | undefined): Promise<void> {
    const engine = this.hosts.get(hostId);
    const network = await engine.inspectNetwork(ref);
    const container = await this.policy.authorizeNetworkChange(engine, network, dto.container, principal, 'connect');
    await engine.connectNetwork(network.Id, { Container: container.Id, EndpointConfig: { Aliases: dto.aliases ?? [] } });
  }

  /** `docker network disconnect`; a container that is not connected is already where the caller wants it. */
  async disconnect(hostId: string, ref: string, dto: NetworkDisconnectDto, principal: Principal | undefined): Promise<void> {
    const engine = this.hosts.get(hostId);
    const network = await engine.inspectNetwork(ref);
    const container = await this.policy.authorizeNetworkChange(engine, network, dto.container, principal, 'disconnect');
    try {
      await engine.disconnectNetwork(network.Id, container.Id, dto.force ?? false);
    } catch (error) {
      if (!isProblem(error, 'CONTAINER_NOT_CONNECTED')) throw error;
    }
  }
}

function inUse(name: string, containers: Array<{ id: string; name: string }>): ProblemException {
  return new ProblemException(
    409,
    'NETWORK_IN_USE',
    `Network ${name} has connected containers: ${containers.map((c) => c.name).join(', ')}; disconnect or remove them first.`,
    { extensions: { containers } },
  );
}
