import { type Page, pageOf } from '../common/pagination.js';
import { PolicyException, withExceptionAudit } from '../containers/policy-exception-audit.js';
import { Injectable } from '@nestjs/common';
import { AuditLog } from '../audit/audit-log.js';
import type { Principal } from '../common/principal.js';
import { ProblemException, isProblem } from '../common/problem.js';
import { redactsFor } from '../common/redaction.js';
import { AppConfig } from '../config/app-config.js';
import { ContainerPolicy, policyDenied } from '../containers/container-policy.js';
import type { PolicyViolation } from '../containers/create-policy.js';
import { MountFacts } from '../containers/mount-facts.js';
import { volumeViolations } from '../containers/mount-rules.js';
import { DockerHosts } from '../docker/docker-hosts.js';
import type { Engine } from '../docker/engine.js';
import type { EngineDiskUsage } from '../docker/engine-types.js';
import type { VolumeCreateDto, VolumeDto, VolumeListQueryDto, VolumeUserDto } from './dto/volume.dto.js';
import { toVolume, volumeFilters, volumeSizes, volumeUsers } from './volume-views.js';

export const VOLUME_POLICY_EXCEPTION_ACTION = 'volume.create.policy-exception';

/** Volumes of a host, as `docker volume` knows them, with who uses each and its size. */
/** Names are unique on a host. The list's page order (fleet lists make per-host cursors with it). */
export const VOLUME_ORDER = { key: (v: VolumeDto) => [v.name], parts: 1 };

@Injectable()
export class VolumesService {
  constructor(
    private readonly hosts: DockerHosts,
    private readonly config: AppConfig,
    private readonly audit: AuditLog,
    private readonly policy: ContainerPolicy,
    private readonly mountFacts: MountFacts,
  ) {}

  /** `docker volume ls` by name, paged, each with the containers that mount it and its size (one `/system/df`, shared with concurrent callers). */
  async list(hostId: string, query: VolumeListQueryDto, principal: Principal | undefined): Promise<Page<VolumeDto>> {
    const engine = this.hosts.get(hostId);
    const [volumes, containers, df] = await Promise.all([
      engine.listVolumes(volumeFilters(query)),
      engine.listContainers({ all: true }),
      this.diskUsage(engine),
    ]);
    const users = volumeUsers(containers);
    const sizes = volumeSizes(df);
    const redact = this.redacts(principal);
    const all = volumes.map((volume) => toVolume(volume, users.get(volume.Name) ?? [], sizes.get(volume.Name) ?? null, redact));
    return pageOf(all, query, VOLUME_ORDER);
  }

  /** `docker volume inspect`, with users and size. */
  async inspect(hostId: string, name: string, principal: Principal | undefined): Promise<VolumeDto> {
    const engine = this.hosts.get(hostId);
    const [volume, users, df] = await Promise.all([engine.inspectVolume(name), this.users(engine, name), this.diskUsage(engine)]);
    if (!volume) throw notFound(name);
    return toVolume(volume, users, volumeSizes(df).get(volume.Name) ?? null, this.redacts(principal));
  }

  /**
   * `docker volume create`. Driver options and drivers outside BERTH_ALLOWED_VOLUME_DRIVERS are judged by the create
   * policy's volume rule (the one that judges mounting such a volume): a non-admin gets 403 POLICY_DENIED and nothing
   * is created; an admin's exception is audited.
   */
  async create(hostId: string, dto: VolumeCreateDto, principal: Principal | undefined): Promise<VolumeDto> {
    const engine = this.hosts.get(hostId);
    const violations = await this.createViolations(engine, dto);
    if (violations.length && principal?.role !== 'admin')
      throw policyDenied(violations, 'The create policy denies this volume; only an admin may create it');
    const exception: PolicyException | undefined = violations.length
      ? {
          action: VOLUME_POLICY_EXCEPTION_ACTION,
          actor: principal,
          violations,
          details: { host: hostId, name: dto.name, driver: dto.driver ?? 'local' },
        }
      : undefined;
    return withExceptionAudit(
      this.audit,
      exception,
      async () => {
        const volume = await engine.createVolume({
          ...(dto.name && { Name: dto.name }),
          Driver: dto.driver ?? 'local',
          DriverOpts: dto.driverOpts ?? {},
          Labels: dto.labels ?? {},
        });
        return toVolume(volume, await this.users(engine, volume.Name), null, false);
      },
      (volume) => volume.name,
    );
  }

  /**
   * `docker volume rm`. In use: 409 VOLUME_IN_USE naming the containers (`force` does not change that: the engine
   * never removes a mounted volume). Berth's own and BERTH_PROTECTED_VOLUMES: admins only.
   */
  async remove(hostId: string, name: string, force: boolean, principal: Principal | undefined): Promise<void> {
    const engine = this.hosts.get(hostId);
    if (principal?.role !== 'admin') {
      const [volume] = await this.mountFacts.inspectVolumes(engine, [name]);
      if (volume.berthVolume)
        throw policyDenied(
          [{ rule: 'berth-volume', detail: `volume ${name} holds Berth's own data, is mounted into Berth's container or is protected` }],
          `Only an admin may remove volume ${name}`,
        );
    }
    try {
      await engine.removeVolume(name, { force });
    } catch (error) {
      if (!isProblem(error, 'VOLUME_IN_USE')) throw error;
      const users = await this.users(engine, name);
      const names = users.map((user) => user.name).join(', ');
      throw new ProblemException(409, 'VOLUME_IN_USE', `Volume ${name} is in use by ${names || 'a container'}; remove those first.`, {
        extensions: { containers: users },
      });
    }
  }

  /** The create policy's volume rule on the volume asked for, plus: driver options of any kind are admins'. */
  private async createViolations(engine: Engine, dto: VolumeCreateDto): Promise<PolicyViolation[]> {
    const name = dto.name ?? 'new volume';
    const berthVolume = dto.name ? (await this.mountFacts.inspectVolumes(engine, [dto.name]))[0].berthVolume : false;
    const found = volumeViolations(
      { name, exists: true, driver: dto.driver ?? 'local', options: dto.driverOpts ?? null, berthVolume },
      this.policy.options.allowedVolumeDrivers ?? [],
    );
    const options = Object.keys(dto.driverOpts ?? {});
    if (options.length && !found.some((v) => v.rule === 'volume-driver-options'))
      found.push({ rule: 'volume-driver-options', detail: `volume ${name}: driver options (${options.join(', ')}) are for admins only` });
    return found;
  }

  private async users(engine: Engine, name: string): Promise<VolumeUserDto[]> {
    const containers = await engine.listContainers({ all: true, filters: { volume: [name] } });
    return volumeUsers(containers).get(name) ?? [];
  }

  /** Sizes are extra: a `/system/df` that fails or times out leaves them null rather than failing the list. */
  private diskUsage(engine: Engine): Promise<EngineDiskUsage | undefined> {
    return engine.diskUsage().catch(() => undefined);
  }

  private redacts(principal: Principal | undefined): boolean {
    return redactsFor(this.config.viewerRedaction, principal?.role);
  }
}

function notFound(name: string): ProblemException {
  return new ProblemException(404, 'VOLUME_NOT_FOUND', `No such volume: ${name}`);
}
