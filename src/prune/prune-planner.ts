import type {
  EngineBuildCacheRecord,
  EngineContainerSummary,
  EngineDiskUsage,
  EngineImageSummary,
  EngineNetworkInspect,
  EngineVolume,
} from '../docker/engine-types.js';
import { LabelFilter, createdBefore, matchesLabels, rfc3339Ns, unixSecondsNs } from './prune-filters.js';

export const PRUNE_KINDS = ['container', 'network', 'volume', 'image', 'buildCache'] as const;
export type PruneKind = (typeof PRUNE_KINDS)[number];

export const IMAGE_MODES = ['none', 'dangling', 'all'] as const;
export const VOLUME_MODES = ['none', 'anonymous', 'all'] as const;

/** What to prune; the defaults are `docker system prune`'s (see DEFAULT_PRUNE_OPTIONS). */
export interface PruneOptions {
  containers: boolean;
  images: (typeof IMAGE_MODES)[number];
  networks: boolean;
  volumes: (typeof VOLUME_MODES)[number];
  buildCache: boolean;
  /** Only what was created before this time (ns since the epoch). */
  until?: bigint;
  labels: LabelFilter[];
}

export const DEFAULT_PRUNE_OPTIONS: PruneOptions = {
  containers: true,
  images: 'dangling',
  networks: true,
  volumes: 'none',
  buildCache: true,
  labels: [],
};

/** One thing a plan removes. */
export interface PruneItem {
  kind: PruneKind;
  /** Full id (a volume's is its name). */
  id: string;
  name: string;
  /** What removing it frees, from `/system/df` (0 when the engine does not say). */
  sizeBytes: number;
  /** Why it is in the plan. */
  reason: string;
  /** A volume's creation time: its name is its id, so one re-created under the name since the plan is another volume. */
  createdAt?: string;
}

/** What a host holds, read at once for one plan. */
export interface PruneSnapshot {
  /** Every container, running or not. */
  containers: EngineContainerSummary[];
  /** Top-level images (`docker images`, without intermediate layers): the engine prunes only those. */
  images: EngineImageSummary[];
  networks: EngineNetworkInspect[];
  volumes: EngineVolume[];
  diskUsage: EngineDiskUsage;
  /** The engine's API version: from 1.42 an anonymous volume is the one with the engine's label. */
  apiVersion: string;
  /** The image Berth itself runs from, when it runs in a container of this engine. */
  berthImage?: string;
}

export const PROTECT_LABEL = 'berth.protect';
/** Networks the engine makes and needs; never pruned whatever their state. */
export const PREDEFINED_NETWORKS = new Set(['bridge', 'host', 'none', 'default', 'ingress', 'docker_gwbridge']);
const ANONYMOUS_VOLUME_LABEL = 'com.docker.volume.anonymous';
const ANONYMOUS_VOLUME_NAME = /^[0-9a-f]{64}$/;
/** Container states `docker container prune` removes: everything that does not run. */
const STOPPED_STATES = new Set(['created', 'exited', 'dead']);

export function isProtected(labels: Record<string, string> | null | undefined): boolean {
  return labels?.[PROTECT_LABEL] === 'true';
}

/** The engine's rule for an anonymous volume: its label from API 1.42, its 64-hex generated name before. */
export function isAnonymousVolume(volume: Pick<EngineVolume, 'Name' | 'Labels'>, apiVersion: string): boolean {
  if (apiAtLeast(apiVersion, 1, 42)) return Object.hasOwn(volume.Labels ?? {}, ANONYMOUS_VOLUME_LABEL);
  return ANONYMOUS_VOLUME_NAME.test(volume.Name);
}

/** Whether an engine API version (`1.41`) is at least `major.minor`. */
export function apiAtLeast(version: string, major: number, minor: number): boolean {
  const [a, b] = version.split('.').map(Number);
  return a > major || (a === major && b >= minor);
}

/** An untagged image: what `docker image prune` without `-a` removes (digest-only references count as untagged). */
export function isDangling(image: Pick<EngineImageSummary, 'RepoTags'>): boolean {
  return realTags(image.RepoTags).length === 0;
}

export function realTags(tags: string[] | null | undefined): string[] {
  return (tags ?? []).filter((tag) => tag !== '<none>:<none>');
}

export function containerName(container: Pick<EngineContainerSummary, 'Names' | 'Id'>): string {
  return container.Names?.[0]?.replace(/^\//, '') ?? container.Id.slice(0, 12);
}

/**
 * The plan: what a prune with `options` removes from `snapshot`, in the order it is executed
 * (containers, networks, volumes, images, build cache). Pure. The cascade is simulated: an image,
 * network or volume that only planned containers use is in it. Never in it: anything labelled
 * `berth.protect=true`, predefined networks, what a container outside the plan uses, Berth's image.
 */
export function planPrune(snapshot: PruneSnapshot, options: PruneOptions): PruneItem[] {
  const passes = (labels: Record<string, string> | null | undefined, createdNs: bigint | undefined) =>
    !isProtected(labels) && matchesLabels(labels, options.labels) && createdBefore(createdNs, options.until);
  const sizes = diskSizes(snapshot.diskUsage);

  const planned = options.containers
    ? snapshot.containers.filter((c) => STOPPED_STATES.has(c.State) && passes(c.Labels, unixSecondsNs(c.Created)))
    : [];
  const plannedIds = new Set(planned.map((c) => c.Id));
  const staying = snapshot.containers.filter((c) => !plannedIds.has(c.Id));
  const goingOnly = (uses: (c: EngineContainerSummary) => boolean) => snapshot.containers.some((c) => plannedIds.has(c.Id) && uses(c));

  const items: PruneItem[] = planned.map((c) => ({
    kind: 'container',
    id: c.Id,
    name: containerName(c),
    sizeBytes: sizes.containers.get(c.Id) ?? 0,
    reason: `${c.State}: ${c.Status}`.trim(),
  }));

  if (options.networks) {
    const usesNetwork = (n: EngineNetworkInspect) => (c: EngineContainerSummary) =>
      Object.entries(c.NetworkSettings?.Networks ?? {}).some(([name, endpoint]) => name === n.Name || endpoint?.NetworkID === n.Id) ||
      c.HostConfig?.NetworkMode === n.Name;
    for (const network of snapshot.networks) {
      if (PREDEFINED_NETWORKS.has(network.Name) || (network.Scope && network.Scope !== 'local')) continue;
      if (Object.keys(network.Containers ?? {}).length > 0) continue;
      if (staying.some(usesNetwork(network)) || !passes(network.Labels, rfc3339Ns(network.Created))) continue;
      const cascade = goingOnly(usesNetwork(network));
      items.push({
        kind: 'network',
        id: network.Id,
        name: network.Name,
        sizeBytes: 0,
        reason: cascade ? 'unused once the planned containers go' : 'unused',
      });
    }
  }

  if (options.volumes !== 'none') {
    const usesVolume = (v: EngineVolume) => (c: EngineContainerSummary) =>
      (c.Mounts ?? []).some((m) => m.Type === 'volume' && m.Name === v.Name);
    for (const volume of snapshot.volumes) {
      // The engine prunes local volumes only: another driver's may be shared storage.
      if (volume.Driver !== 'local') continue;
      const anonymous = isAnonymousVolume(volume, snapshot.apiVersion);
      if (options.volumes === 'anonymous' && !anonymous) continue;
      if (staying.some(usesVolume(volume)) || !passes(volume.Labels, rfc3339Ns(volume.CreatedAt))) continue;
      const cascade = goingOnly(usesVolume(volume));
      items.push({
        kind: 'volume',
        id: volume.Name,
        name: volume.Name,
        sizeBytes: sizes.volumes.get(volume.Name) ?? 0,
        reason: `${anonymous ? 'anonymous' : 'named'}, ${cascade ? 'unused once the planned containers go' : 'unused'}`,
        ...(volume.CreatedAt && { createdAt: volume.CreatedAt }),
      });
    }
  }

  if (options.images !== 'none') {
    const usedImages = new Set(staying.map((c) => c.ImageID));
    const goingImages = new Set(planned.map((c) => c.ImageID));
    for (const image of snapshot.images) {
      const dangling = isDangling(image);
      if (options.images === 'dangling' && !dangling) continue;
      if (usedImages.has(image.Id) || image.Id === snapshot.berthImage) continue;
      if (!passes(image.Labels, unixSecondsNs(image.Created))) continue;
      const tags = realTags(image.RepoTags);
      items.push({
        kind: 'image',
        id: image.Id,
        name: tags[0] ?? image.Id.replace(/^sha256:/, '').slice(0, 12),
        sizeBytes: sizes.images.get(image.Id) ?? uniqueSize(image),
        reason: `${dangling ? 'dangling' : 'unused'}${goingImages.has(image.Id) ? ', once the planned containers go' : ''}`,
      });
    }
  }

  // Build cache records carry no labels: a plan filtered by label leaves them out.
  if (options.buildCache && options.labels.length === 0) {
    for (const record of snapshot.diskUsage.BuildCache ?? []) {
      if (record.InUse || !createdBefore(rfc3339Ns(record.LastUsedAt ?? record.CreatedAt), options.until)) continue;
      items.push({ kind: 'buildCache', id: record.ID, name: buildCacheName(record), sizeBytes: record.Size ?? 0, reason: 'not in use' });
    }
  }
  return items;
}

function buildCacheName(record: EngineBuildCacheRecord): string {
  return record.Description || record.Type || record.ID.slice(0, 12);
}

/** An image's own bytes: its size less what it shares with other images (the engine says -1 when it did not count). */
function uniqueSize(image: { Size?: number; SharedSize?: number }): number {
  const size = image.Size ?? 0;
  return image.SharedSize !== undefined && image.SharedSize >= 0 ? Math.max(0, size - image.SharedSize) : size;
}

function diskSizes(usage: EngineDiskUsage) {
  return {
    containers: new Map((usage.Containers ?? []).map((c) => [c.Id, c.SizeRw ?? 0])),
    images: new Map((usage.Images ?? []).map((i) => [i.Id, uniqueSize(i)])),
    volumes: new Map((usage.Volumes ?? []).map((v) => [v.Name, Math.max(0, v.UsageData?.Size ?? 0)])),
  };
}

export type PruneTotals = {
  count: number;
  reclaimableBytes: number;
  byKind: Record<PruneKind, { count: number; reclaimableBytes: number }>;
};

export function planTotals(items: PruneItem[]): PruneTotals {
  const byKind = Object.fromEntries(PRUNE_KINDS.map((kind) => [kind, { count: 0, reclaimableBytes: 0 }])) as PruneTotals['byKind'];
  for (const item of items) {
    byKind[item.kind].count += 1;
    byKind[item.kind].reclaimableBytes += item.sizeBytes;
  }
  return { count: items.length, reclaimableBytes: items.reduce((sum, item) => sum + item.sizeBytes, 0), byKind };
}
