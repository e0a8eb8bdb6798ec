import type { ContainerListQuery } from '../docker/engine.js';
import type { EngineContainerCreate } from '../docker/engine-types.js';
import type { ContainerCreateDto } from './dto/container-create.dto.js';
import type { ContainerListQueryDto } from './dto/container-query.dto.js';

/** The engine's create body for a validated request: the same fields `docker run` would send. */
export function toEngineCreate(dto: ContainerCreateDto): EngineContainerCreate {
  const ports = dto.ports ?? [];
  const portKey = (port: { containerPort: number; protocol?: string }) => `${port.containerPort}/${port.protocol ?? 'tcp'}`;
  const portBindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
  for (const port of ports) {
    (portBindings[portKey(port)] ??= []).push({ HostIp: port.hostIp ?? '', HostPort: port.hostPort ? String(port.hostPort) : '' });
  }
  const defined = <T extends object>(object: T): T =>
    Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as T;

  const [firstNetwork] = dto.networks ?? [];
  return defined({
    Image: dto.image,
    Cmd: dto.cmd,
    // `--entrypoint ""` resets the image's entrypoint; the engine wants that as [""].
    Entrypoint: dto.entrypoint && (dto.entrypoint.length ? dto.entrypoint : ['']),
    Env: dto.env,
    Labels: dto.labels,
    WorkingDir: dto.workingDir,
    User: dto.user,
    Hostname: dto.hostname,
    Tty: dto.tty ?? false,
    OpenStdin: dto.openStdin ?? false,
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    ExposedPorts: ports.length ? Object.fromEntries(ports.map((port) => [portKey(port), {}])) : undefined,
    HostConfig: defined({
      PortBindings: ports.length ? portBindings : undefined,
      Binds: dto.binds,
      Mounts: dto.mounts?.map((mount) =>
        defined({ Type: mount.type, Source: mount.source ?? '', Target: mount.target, ReadOnly: mount.readOnly ?? false }),
      ),
      AutoRemove: dto.autoRemove ?? false,
      RestartPolicy: dto.restartPolicy && { Name: dto.restartPolicy.name, MaximumRetryCount: dto.restartPolicy.maximumRetryCount ?? 0 },
      NetworkMode: dto.network ?? firstNetwork?.name,
      Memory: dto.memoryBytes,
      NanoCpus: dto.cpus === undefined ? undefined : Math.round(dto.cpus * 1e9),
      CpuShares: dto.cpuShares,
      Privileged: dto.privileged ?? false,
      PidMode: dto.pidMode,
      IpcMode: dto.ipcMode,
      UTSMode: dto.utsMode,
      Devices: dto.devices?.map((device) => ({
        PathOnHost: device.pathOnHost,
        PathInContainer: device.pathInContainer ?? device.pathOnHost,
        CgroupPermissions: device.cgroupPermissions ?? 'rwm',
      })),
      CapAdd: dto.capAdd,
      CapDrop: dto.capDrop,
      SecurityOpt: dto.securityOpt,
    }),
    // Engines before API 1.44 take one endpoint at create: the other networks are connected after it (see ContainersService).
    NetworkingConfig: firstNetwork?.aliases?.length
      ? { EndpointsConfig: { [firstNetwork.name]: { Aliases: firstNetwork.aliases } } }
      : undefined,
  }) as EngineContainerCreate;
}

const LIST_FILTERS = ['status', 'label', 'name', 'id', 'ancestor', 'exited', 'network', 'volume', 'publish', 'expose'] as const;

/** `docker ps` flags and filters → the engine's list query. */
export function toEngineListQuery(query: ContainerListQueryDto): ContainerListQuery {
  const filters: Record<string, string[]> = {};
  for (const key of LIST_FILTERS) {
    const values = query[key];
    if (values?.length) filters[key] = [...values];
  }
  if (query.before) filters.before = [query.before];
  if (query.since) filters.since = [query.since];
  if (query.health) filters.health = [query.health];
  // Asking for stopped states implies -a, as `docker ps --filter status=exited` does.
  const all = query.all ?? Boolean(query.status?.some((state) => state !== 'running') || query.exited?.length);
  return { all, ...(query.last && { limit: query.last }), filters };
}
