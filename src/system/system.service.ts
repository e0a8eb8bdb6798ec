import { Injectable } from '@nestjs/common';
import { ProblemException } from '../common/problem.js';
import { Database } from '../database/database.js';
import { DockerHosts, LOCAL_HOST_ID } from '../docker/docker-hosts.js';
import type { EngineDiskUsage, EngineInfo, EngineVersion } from '../docker/engine-types.js';
import { DiskUsageDto, DiskUsageItemDto, DiskUsageKindDto } from './dto/disk-usage.dto.js';
import { EngineInfoDto, EngineVersionDto } from './dto/engine-info.dto.js';
import { ReadinessDto } from './dto/readiness.dto.js';

/** A ping for a status report must not hold the answer long. */
const STATUS_PING_MS = 2000;

@Injectable()
export class SystemService {
  constructor(
    private readonly hosts: DockerHosts,
    private readonly database: Database,
  ) {}

  async info(hostId: string): Promise<EngineInfoDto> {
    return toInfo(await this.hosts.get(hostId).info());
  }

  async version(hostId: string): Promise<EngineVersionDto> {
    return toVersion(await this.hosts.get(hostId).version());
  }

  async diskUsage(hostId: string, top = 10): Promise<DiskUsageDto> {
    return toDiskUsage(await this.hosts.get(hostId).diskUsage(), top);
  }

  /**
   * Ready when the database and `local`'s engine answer (pinged now); otherwise the first failure, as a 503 with
   * every check. The other hosts are listed with their live state (`host:<id>`: ok, unknown or down) and
   * never make Berth unready: one engine down must not take the rest out of a load balancer.
   */
  async readiness(): Promise<ReadinessDto> {
    const checks: Record<string, string> = {};
    const records: Record<string, number> = {};
    let failure: ProblemException | undefined;
    await Promise.all([
      this.database.ping().then(
        () => {
          checks.database = 'ok';
        },
        () => {
          checks.database = 'unavailable';
          failure ??= new ProblemException(503, 'DATABASE_UNAVAILABLE', 'The database does not answer.', {
            headers: { 'Retry-After': '5' },
          });
        },
      ),
      ...this.hosts.list().map(async (client) => {
        if (client.host.id !== LOCAL_HOST_ID) {
          const status = client.health?.status();
          // A public route: how many host records are in each state, never which (a record hidden from some users is
          // as unknown to them as one that does not exist), nor why (TLS, host key, addresses: GET /hosts).
          const state = !status ? 'unknown' : status.state === 'up' ? 'ok' : status.state;
          records[state] = (records[state] ?? 0) + 1;
          return;
        }
        try {
          await client.ping(STATUS_PING_MS);
          checks[`host:${client.host.id}`] = 'ok';
        } catch (error) {
          const problem = error as ProblemException;
          checks[`host:${client.host.id}`] = problem.detail ?? 'unavailable';
          failure ??= problem;
        }
      }),
    ]);
    if (Object.keys(records).length > 0) {
      checks.hosts = ['ok', 'down', 'unknown'].map((state) => `${state}: ${records[state] ?? 0}`).join(', ');
    }
    if (failure) {
      throw new ProblemException(503, failure.code, failure.detail, { ...failure.problem, extensions: { checks } });
    }
    return { status: 'ready', checks };
  }
}

export function toInfo(info: EngineInfo): EngineInfoDto {
  return {
    id: info.ID,
    name: info.Name,
    serverVersion: info.ServerVersion,
    operatingSystem: info.OperatingSystem,
    osType: info.OSType,
    architecture: info.Architecture,
    kernelVersion: info.KernelVersion,
    cpus: info.NCPU,
    memoryBytes: info.MemTotal,
    containers: {
      total: info.Containers,
      running: info.ContainersRunning,
      paused: info.ContainersPaused,
      stopped: info.ContainersStopped,
    },
    images: info.Images,
    storageDriver: info.Driver,
    dockerRootDir: info.DockerRootDir,
    cgroupDriver: info.CgroupDriver,
    cgroupVersion: info.CgroupVersion,
    loggingDriver: info.LoggingDriver,
    warnings: info.Warnings ?? [],
  };
}

export function toVersion(version: EngineVersion): EngineVersionDto {
  return {
    version: version.Version,
    apiVersion: version.ApiVersion,
    minApiVersion: version.MinAPIVersion,
    gitCommit: version.GitCommit,
    goVersion: version.GoVersion,
    os: version.Os,
    arch: version.Arch,
    kernelVersion: version.KernelVersion,
    buildTime: version.BuildTime,
  };
}

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
const positive = (value: number | undefined) => (value !== undefined && value > 0 ? value : 0);

/** The `top` largest items, largest first (ties by id, so that answers are stable). */
export function largest(items: DiskUsageItemDto[], top: number): DiskUsageItemDto[] {
  return [...items].sort((a, b) => b.sizeBytes - a.sizeBytes || a.id.localeCompare(b.id)).slice(0, top);
}

const short = (id: string) => id.replace(/^sha256:/, '').slice(0, 12);

/** The same arithmetic as `docker system df`, and `top` largest items of each kind (`docker system df -v`). */
export function toDiskUsage(df: EngineDiskUsage, top = 10): DiskUsageDto {
  const images = df.Images ?? [];
  const usedImageBytes = sum(images.filter((i) => i.Containers > 0).map((i) => positive(i.Size - positive(i.SharedSize))));
  const imageBytes = positive(df.LayersSize);
  const imageUsage: DiskUsageKindDto = {
    count: images.length,
    active: images.filter((i) => i.Containers > 0).length,
    sizeBytes: imageBytes,
    reclaimableBytes: positive(imageBytes - usedImageBytes),
    largest: largest(
      images.map((i) => ({
        id: i.Id,
        name: i.RepoTags?.find((tag) => tag !== '<none>:<none>') ?? short(i.Id),
        sizeBytes: positive(i.Size),
        active: i.Containers > 0,
      })),
      top,
    ),
  };

  const containers = df.Containers ?? [];
  const containerUsage: DiskUsageKindDto = {
    count: containers.length,
    active: containers.filter((c) => c.State === 'running').length,
    sizeBytes: sum(containers.map((c) => positive(c.SizeRw))),
    reclaimableBytes: sum(containers.filter((c) => c.State !== 'running').map((c) => positive(c.SizeRw))),
    largest: largest(
      containers.map((c) => ({
        id: c.Id,
        name: c.Names?.[0]?.replace(/^\//, '') ?? short(c.Id),
        sizeBytes: positive(c.SizeRw),
        active: c.State === 'running',
      })),
      top,
    ),
  };

  const volumes = df.Volumes ?? [];
  const volumeUsage: DiskUsageKindDto = {
    count: volumes.length,
    active: volumes.filter((v) => positive(v.UsageData?.RefCount) > 0).length,
    sizeBytes: sum(volumes.map((v) => positive(v.UsageData?.Size))),
    reclaimableBytes: sum(volumes.filter((v) => positive(v.UsageData?.RefCount) === 0).map((v) => positive(v.UsageData?.Size))),
    largest: largest(
      volumes.map((v) => ({
        id: v.Name,
        name: v.Name,
        sizeBytes: positive(v.UsageData?.Size),
        active: positive(v.UsageData?.RefCount) > 0,
      })),
      top,
    ),
  };

  const cache = (df.BuildCache ?? []).filter((c) => !c.Shared);
  const cacheUsage: DiskUsageKindDto = {
    count: cache.length,
    active: cache.filter((c) => c.InUse).length,
    sizeBytes: sum(cache.map((c) => positive(c.Size))),
    reclaimableBytes: sum(cache.filter((c) => !c.InUse).map((c) => positive(c.Size))),
    largest: largest(
      cache.map((c) => ({ id: c.ID, name: c.Description || c.ID.slice(0, 12), sizeBytes: positive(c.Size), active: c.InUse })),
      top,
    ),
  };

  const kinds = [imageUsage, containerUsage, volumeUsage, cacheUsage];
  return {
    images: imageUsage,
    containers: containerUsage,
    volumes: volumeUsage,
    buildCache: cacheUsage,
    totalBytes: sum(kinds.map((k) => k.sizeBytes)),
    reclaimableBytes: sum(kinds.map((k) => k.reclaimableBytes)),
  };
}
