import { REDACTED, redactEnv } from '../common/redaction.js';
import type { EngineContainerInspect, EngineContainerSummary, EngineContainerTop } from '../docker/engine-types.js';
import type { ContainerInspectDto } from './dto/container-inspect.dto.js';
import type { ContainerSummaryDto, PortDto } from './dto/container-summary.dto.js';
import type { ContainerTopDto } from './dto/container-actions.dto.js';

/** The engine's names carry a leading slash, and links add `/other/alias` entries: the own name has no second slash. */
export function primaryName(names: string[] | undefined): string {
  const bare = (names ?? []).map((name) => name.replace(/^\//, ''));
  return bare.find((name) => !name.includes('/')) ?? bare[0] ?? '';
}

const isoFromUnix = (seconds: number) => new Date(seconds * 1000).toISOString();
/** The engine writes 0001-01-01T00:00:00Z for "never". */
const isoOrUndefined = (time: string | undefined) => (time && !time.startsWith('0001-') ? new Date(time).toISOString() : undefined);

export function toSummary(container: EngineContainerSummary): ContainerSummaryDto {
  return {
    id: container.Id,
    name: primaryName(container.Names),
    image: container.Image,
    imageId: container.ImageID,
    command: container.Command,
    state: container.State,
    status: container.Status,
    ports: (container.Ports ?? []).map((port) => ({
      containerPort: port.PrivatePort,
      ...(port.PublicPort && { hostPort: port.PublicPort }),
      ...(port.IP && { hostIp: port.IP }),
      protocol: port.Type,
    })),
    labels: container.Labels ?? {},
    createdAt: isoFromUnix(container.Created),
    networks: Object.keys(container.NetworkSettings?.Networks ?? {}),
  };
}

type PortBindings = Record<string, Array<{ HostIp?: string; HostPort?: string }> | null> | null | undefined;

/** `{"80/tcp": [{HostIp, HostPort}]}` → one PortDto per binding; a port with no binding is only exposed. */
export function portsFrom(bindings: PortBindings): PortDto[] {
  return Object.entries(bindings ?? {}).flatMap(([key, hosts]) => {
    const [port, protocol = 'tcp'] = key.split('/');
    const containerPort = Number(port);
    if (!hosts?.length) return [{ containerPort, protocol }];
    return hosts.map((host) => ({
      containerPort,
      ...(host.HostPort && { hostPort: Number(host.HostPort) }),
      ...(host.HostIp && { hostIp: host.HostIp }),
      protocol,
    }));
  });
}

export function toInspect(container: EngineContainerInspect): ContainerInspectDto {
  const state = container.State as EngineContainerInspect['State'] & { Health?: { Status: string } };
  const host = container.HostConfig as EngineContainerInspect['HostConfig'] & { NanoCpus?: number; Memory?: number; Privileged?: boolean };
  const config = container.Config;
  return {
    id: container.Id,
    name: container.Name.replace(/^\//, ''),
    image: config.Image,
    imageId: container.Image,
    createdAt: new Date(container.Created).toISOString(),
    state: {
      status: state.Status,
      running: state.Running,
      paused: state.Paused,
      restarting: state.Restarting,
      oomKilled: state.OOMKilled,
      dead: state.Dead,
      pid: state.Pid,
      exitCode: state.ExitCode,
      error: state.Error,
      startedAt: isoOrUndefined(state.StartedAt),
      finishedAt: isoOrUndefined(state.FinishedAt),
      ...(state.Health && { health: state.Health.Status }),
    },
    cmd: asList(config.Cmd),
    entrypoint: asList(config.Entrypoint),
    env: config.Env ?? [],
    workingDir: config.WorkingDir ?? '',
    user: config.User ?? '',
    hostname: config.Hostname ?? '',
    tty: config.Tty,
    openStdin: config.OpenStdin,
    labels: config.Labels ?? {},
    // Published bindings live in NetworkSettings once running; HostConfig has what was asked for.
    ports: portsFrom(
      Object.values(container.NetworkSettings?.Ports ?? {}).some((b) => b?.length)
        ? (container.NetworkSettings.Ports as PortBindings)
        : { ...exposed(config.ExposedPorts), ...(host.PortBindings as PortBindings) },
    ),
    mounts: (container.Mounts ?? []).map((mount) => ({
      type: mount.Type ?? 'volume',
      ...(mount.Name && { name: mount.Name }),
      source: mount.Source,
      target: mount.Destination,
      readOnly: !mount.RW,
    })),
    networks: Object.entries(container.NetworkSettings?.Networks ?? {}).map(([name, network]) => ({
      name,
      ipAddress: network.IPAddress ?? '',
      gateway: network.Gateway ?? '',
      macAddress: network.MacAddress ?? '',
      aliases: (network.Aliases as string[] | null) ?? [],
    })),
    restartPolicy: { name: host.RestartPolicy?.Name || 'no', maximumRetryCount: host.RestartPolicy?.MaximumRetryCount ?? 0 },
    restartCount: container.RestartCount,
    autoRemove: host.AutoRemove ?? false,
    privileged: host.Privileged ?? false,
    memoryBytes: host.Memory ?? 0,
    cpus: (host.NanoCpus ?? 0) / 1e9,
    raw: container as unknown as Record<string, unknown>,
  };
}

interface RawHostConfig {
  LogConfig?: { Config?: Record<string, string> | null } | null;
  Mounts?: Array<{ VolumeOptions?: { DriverConfig?: { Options?: Record<string, string> | null } | null } | null }> | null;
}

/**
 * The inspect view a viewer gets: env values redacted wherever the container's env appears
 * (the normalised `env` and the engine's `raw.Config.Env`), keys kept; and so are the values of the
 * log driver's options (`--log-opt splunk-token=`) and of a mount's volume driver options
 * (`--mount volume-opt=o=password=`), as the volume views redact them.
 */
export function redactInspect(view: ContainerInspectDto): ContainerInspectDto {
  const config = view.raw.Config as { Env?: string[] | null } | undefined;
  const host = view.raw.HostConfig as RawHostConfig | undefined;
  return {
    ...view,
    env: redactEnv(view.env),
    raw: {
      ...view.raw,
      ...(config && { Config: { ...config, Env: config.Env ? redactEnv(config.Env) : config.Env } }),
      ...(host && { HostConfig: redactHostConfig(host) }),
    },
  };
}

function redactHostConfig(host: RawHostConfig): RawHostConfig {
  const logConfig = host.LogConfig?.Config ? { ...host.LogConfig, Config: redactValues(host.LogConfig.Config) } : host.LogConfig;
  const mounts = host.Mounts?.map((mount) => {
    const driver = mount.VolumeOptions?.DriverConfig;
    if (!driver?.Options) return mount;
    return { ...mount, VolumeOptions: { ...mount.VolumeOptions, DriverConfig: { ...driver, Options: redactValues(driver.Options) } } };
  });
  return { ...host, LogConfig: logConfig, Mounts: mounts };
}

function redactValues(map: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.keys(map).map((key) => [key, REDACTED]));
}

function asList(value: string | string[] | null | undefined): string[] {
  if (!value) return [];
  return Array.isArray(value) ? value : [value];
}

function exposed(ports: Record<string, unknown> | undefined): Record<string, null> {
  return Object.fromEntries(Object.keys(ports ?? {}).map((key) => [key, null]));
}

export function toTop(top: EngineContainerTop): ContainerTopDto {
  return { titles: top.Titles ?? [], processes: top.Processes ?? [] };
}
