import { plainToInstance } from 'class-transformer';
import { describe, expect, it, vi } from 'vitest';
import type { AuditLog } from '../audit/audit-log.js';
import { HostAccess } from '../auth/host-access.js';
import type { Role } from '../common/access.decorators.js';
import type { Principal } from '../common/principal.js';
import { ProblemException } from '../common/problem.js';
import { AppConfig } from '../config/app-config.js';
import type { ContainerPolicy } from '../containers/container-policy.js';
import { ContainersService } from '../containers/containers.service.js';
import type { MountFacts } from '../containers/mount-facts.js';
import type { RegistryAuthProvider } from '../docker/registry-auth.js';
import { fakeEngine, fakeHosts } from '../docker/engine-testing.js';
import type { HostDescriptor } from '../docker/engine.js';
import type { EngineContainerSummary } from '../docker/engine-types.js';
import { ImagesService } from '../images/images.service.js';
import type { JobRunner } from '../jobs/job-types.js';
import { VolumesService } from '../volumes/volumes.service.js';
import { FleetContainerListQueryDto, FleetImageListQueryDto, FleetVolumeListQueryDto } from './dto/fleet.dto.js';
import { FleetService } from './fleet.service.js';
import { TestAuthenticator } from '../auth/authenticator-testing.js';

const viewer: Principal = { kind: 'user', userId: 'u3', username: 'vi', role: 'viewer' };
const host = (id: string): HostDescriptor => ({ id, name: id, url: `tcp://${id}:2376` });

/** Per-host roles as host-roles will give them: a table per host id, absent = invisible. */
class TableHostAccess extends HostAccess {
  constructor(private readonly roles: Record<string, Role>) {
    super();
  }
  override roleOn(_principal: Principal, target: HostDescriptor): Role | undefined {
    return this.roles[target.id];
  }
}

const container = (id: string, created: number): Partial<EngineContainerSummary> => ({
  Id: id,
  Names: [`/${id}`],
  Image: 'busybox',
  State: 'running',
  Created: created,
  Labels: { team: 'web' },
});

/** The engines of three hosts: `local`, `edge` (down) and `secret` (which the caller cannot see). */
function fleet(roles: Record<string, Role> = { local: 'viewer', edge: 'viewer' }) {
  const listContainers = {
    local: vi.fn(async () => [container('l1', 100), container('l2', 200)]),
    edge: vi.fn(async (): Promise<never> => {
      throw new ProblemException(503, 'ENGINE_UNAVAILABLE', 'The engine of edge does not answer.');
    }),
    secret: vi.fn(async () => [container('s1', 300)]),
  };
  const volume = (name: string) => ({
    Name: name,
    Driver: 'local',
    Scope: 'local',
    Mountpoint: '/m',
    Labels: {},
    Options: { o: 'password=x' },
  });
  const engines = (['local', 'edge', 'secret'] as const).map((id) =>
    fakeEngine(
      {
        listContainers: listContainers[id],
        listImages: async () => [{ Id: `sha256:${id}`, RepoTags: [`${id}:1`], RepoDigests: [], Created: 1, Size: 1, Labels: {} }],
        listVolumes: async () => [volume(`${id}-data`)],
        diskUsage: async () => ({ Volumes: [] }),
      },
      host(id),
    ),
  );
  const hosts = fakeHosts(...engines);
  const config = new AppConfig();
  const policy = {} as ContainerPolicy;
  const containers = new ContainersService(hosts, config, {} as AuditLog, {} as RegistryAuthProvider, policy, new TestAuthenticator());
  const images = new ImagesService(hosts, policy, {} as JobRunner, config);
  const volumes = new VolumesService(hosts, config, {} as AuditLog, policy, {} as MountFacts);
  const service = new FleetService(hosts, new TableHostAccess(roles), config, containers, images, volumes);
  return { service, listContainers };
}

const containerQuery = (query: Record<string, unknown>) => plainToInstance(FleetContainerListQueryDto, query);

describe('FleetService', () => {
  it('lists the containers of every visible host, each naming its host; a down host is in errors, an invisible one nowhere', async () => {
    const { service, listContainers } = fleet();
    const page = await service.listContainers(viewer, containerQuery({ host: ['all'] }));
    expect(page.items.map((c) => [c.host, c.id])).toEqual([
      ['local', 'l2'],
      ['local', 'l1'],
    ]);
    expect(page).toMatchObject({ total: 2, nextCursor: null });
    expect(page.errors).toEqual([{ host: 'edge', code: 'ENGINE_UNAVAILABLE', detail: 'The engine of edge does not answer.' }]);
    expect(JSON.stringify(page)).not.toContain('secret');
    expect(listContainers.secret).not.toHaveBeenCalled();
  });

  it('applies the per-host filters on each host, as the per-host list does', async () => {
    const { service, listContainers } = fleet();
    await service.listContainers(viewer, containerQuery({ host: ['all'], label: ['team=web'], status: ['exited'] }));
    const asked = { all: true, filters: { label: ['team=web'], status: ['exited'] } };
    expect(listContainers.local).toHaveBeenCalledWith(asked);
    expect(listContainers.edge).toHaveBeenCalledWith(asked);
  });

  it("coalesces per host: concurrent fleet lists share each host's engine read, and hosts never share one", async () => {
    const { service, listContainers } = fleet({ local: 'viewer', secret: 'viewer' });
    const pages = await Promise.all([1, 2, 3].map(() => service.listContainers(viewer, containerQuery({ host: ['all'] }))));
    // The first read starts at once; the two that arrive meanwhile share the next one (never an older answer).
    expect(listContainers.local).toHaveBeenCalledTimes(2);
    expect(listContainers.secret).toHaveBeenCalledTimes(2);
    expect(pages[2].items.map((c) => `${c.host}/${c.id}`)).toEqual(['local/l2', 'local/l1', 'secret/s1']);
  });

  it('reads only the hosts named', async () => {
    const { service, listContainers } = fleet();
    const page = await service.listContainers(viewer, containerQuery({ host: ['local'] }));
    expect(page.errors).toEqual([]);
    expect(listContainers.edge).not.toHaveBeenCalled();
  });

  it.each([
    ['a host the caller cannot see', ['local', 'secret']],
    ['a host Berth does not know', ['nowhere']],
  ])('answers 404 HOST_NOT_FOUND alike for %s, reading nothing', async (_name, named) => {
    const { service, listContainers } = fleet();
    await expect(service.listContainers(viewer, containerQuery({ host: named }))).rejects.toMatchObject({
      code: 'HOST_NOT_FOUND',
      detail: `No host '${named.at(-1)}'.`,
    });
    expect(listContainers.local).not.toHaveBeenCalled();
  });

  it('refuses host=all beside host ids (400)', async () => {
    const { service } = fleet();
    await expect(service.listContainers(viewer, containerQuery({ host: ['all', 'local'] }))).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
  });

  it('lists images across hosts with their host', async () => {
    const { service } = fleet({ local: 'viewer', secret: 'operator' });
    const page = await service.listImages(viewer, plainToInstance(FleetImageListQueryDto, { host: ['all'] }));
    expect(page.items.map((i) => [i.host, i.id])).toEqual([
      ['local', 'sha256:local'],
      ['secret', 'sha256:secret'],
    ]);
  });

  it("redacts volume options by the caller's role on each host, as the per-host list does", async () => {
    const { service } = fleet({ local: 'viewer', secret: 'operator' });
    const page = await service.listVolumes(viewer, plainToInstance(FleetVolumeListQueryDto, { host: ['all'] }));
    expect(page.items.map((v) => [v.host, v.options])).toEqual([
      ['local', { o: '<redacted>' }],
      ['secret', { o: 'password=x' }],
    ]);
  });

  it('sees nothing without a principal', async () => {
    const { service } = fleet();
    await expect(service.listContainers(undefined, containerQuery({ host: ['all'] }))).resolves.toMatchObject({ items: [], errors: [] });
  });
});
