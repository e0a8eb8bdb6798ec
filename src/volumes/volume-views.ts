import { REDACTED } from '../common/redaction.js';
import type { EngineContainerSummary, EngineDiskUsage, EngineVolume } from '../docker/engine-types.js';
import type { VolumeDto, VolumeUserDto } from './dto/volume.dto.js';

/** The containers that mount each named volume, from the container list's mounts. */
export function volumeUsers(
  containers: ReadonlyArray<Pick<EngineContainerSummary, 'Id' | 'Names' | 'State' | 'Mounts'>>,
): Map<string, VolumeUserDto[]> {
  const users = new Map<string, VolumeUserDto[]>();
  for (const container of containers) {
    const name = (container.Names?.[0] ?? '').replace(/^\//, '') || container.Id.slice(0, 12);
    const names = new Set((container.Mounts ?? []).flatMap((mount) => (mount.Type === 'volume' && mount.Name ? [mount.Name] : [])));
    for (const volume of names) {
      const list = users.get(volume) ?? [];
      list.push({ id: container.Id, name, state: container.State });
      users.set(volume, list);
    }
  }
  return users;
}

/** Each volume's size from `docker system df` (-1, the engine's "not measured", is null). */
export function volumeSizes(df: Pick<EngineDiskUsage, 'Volumes'> | undefined): Map<string, number | null> {
  return new Map(
    (df?.Volumes ?? []).map((volume) => {
      const size = volume.UsageData?.Size;
      return [volume.Name, size !== undefined && size >= 0 ? size : null];
    }),
  );
}

export function toVolume(
  volume: EngineVolume & { CreatedAt?: string },
  usedBy: VolumeUserDto[],
  sizeBytes: number | null,
  redact: boolean,
): VolumeDto {
  const options = volume.Options ?? {};
  return {
    name: volume.Name,
    driver: volume.Driver,
    scope: volume.Scope,
    mountpoint: volume.Mountpoint,
    ...(volume.CreatedAt && { createdAt: volume.CreatedAt }),
    labels: volume.Labels ?? {},
    options: redact ? Object.fromEntries(Object.keys(options).map((key) => [key, REDACTED])) : options,
    usedBy,
    sizeBytes,
  };
}

/** The CLI's volume filters → the engine's. */
export function volumeFilters(query: {
  dangling?: boolean;
  label?: string[];
  name?: string[];
  driver?: string[];
}): Record<string, string[]> {
  const filters: Record<string, string[]> = {};
  if (query.dangling !== undefined) filters.dangling = [String(query.dangling)];
  for (const key of ['label', 'name', 'driver'] as const) if (query[key]?.length) filters[key] = [...query[key]];
  return filters;
}
