import type { EngineImageDeleteItem, EngineImageHistoryItem, EngineImageInspect, EngineImageSummary } from '../docker/engine-types.js';
import type { ImageRemovedDto } from './dto/image-actions.dto.js';
import type { ImageHistoryItemDto, ImageInspectDto, ImageSummaryDto } from './dto/image-summary.dto.js';

/** The engine's placeholders for "no name": `<none>:<none>`, `<none>@<none>`, `<missing>`. */
const isNamed = (name: string) => !name.startsWith('<none>');

const fromEpoch = (seconds: number) => new Date(seconds * 1000).toISOString();

/** How many containers use each image id (any state), from the container list. */
export function containerCounts(containers: Array<{ ImageID: string }>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const { ImageID } of containers) counts.set(ImageID, (counts.get(ImageID) ?? 0) + 1);
  return counts;
}

export function toImageSummary(image: EngineImageSummary, counts: Map<string, number>): ImageSummaryDto {
  return {
    id: image.Id,
    repoTags: (image.RepoTags ?? []).filter(isNamed),
    repoDigests: (image.RepoDigests ?? []).filter(isNamed),
    sizeBytes: image.Size,
    createdAt: fromEpoch(image.Created),
    labels: image.Labels ?? {},
    containers: counts.get(image.Id) ?? 0,
  };
}

export function toImageInspect(image: EngineImageInspect): ImageInspectDto {
  const config = image.Config ?? ({} as Partial<EngineImageInspect['Config']>);
  return {
    id: image.Id,
    repoTags: image.RepoTags ?? [],
    repoDigests: image.RepoDigests ?? [],
    parentId: image.Parent || null,
    sizeBytes: image.Size,
    createdAt: new Date(image.Created).toISOString(),
    labels: (config.Labels as Record<string, string> | null | undefined) ?? {},
    architecture: image.Architecture,
    os: image.Os,
    author: image.Author || null,
    cmd: config.Cmd ?? null,
    entrypoint: (config.Entrypoint as string[] | null | undefined) ?? null,
    workingDir: config.WorkingDir || null,
    user: config.User || null,
    exposedPorts: Object.keys(config.ExposedPorts ?? {}),
    layers: image.RootFS?.Layers ?? [],
    raw: image as unknown as Record<string, unknown>,
  };
}

export function toHistoryItem(layer: EngineImageHistoryItem): ImageHistoryItemDto {
  return {
    id: layer.Id && layer.Id !== '<missing>' ? layer.Id : null,
    createdAt: fromEpoch(layer.Created),
    createdBy: layer.CreatedBy ?? '',
    sizeBytes: layer.Size,
    tags: (layer.Tags ?? []).filter(isNamed),
    comment: layer.Comment ?? '',
  };
}

export function toRemoved(items: EngineImageDeleteItem[]): ImageRemovedDto {
  return {
    untagged: items.flatMap((item) => (item.Untagged ? [item.Untagged] : [])),
    deleted: items.flatMap((item) => (item.Deleted ? [item.Deleted] : [])),
  };
}
