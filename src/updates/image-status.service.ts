import { Injectable } from '@nestjs/common';
import { isProblem } from '../common/problem.js';
import { DockerHosts } from '../docker/docker-hosts.js';
import type { Engine } from '../docker/engine.js';
import type { EngineContainerSummary, EngineImageInspect } from '../docker/engine-types.js';
import { parseImageRef } from '../docker/image-ref.js';
import { RegistryDirectory } from '../registries/registry-access.js';
import type { ContainerImageStatusDto, HostImageStatusDto, ImageStatusDto } from './dto/image-status.dto.js';
import { IMAGE_STATUS_STATES, type ImageStatusState, type Platform, platformName, repositoryDigests } from './image-status.js';
import { anonymousAccess, registryTarget } from './registry-target.js';
import { UpdateChecker } from './update-checker.js';

/** Registry checks one host list runs at once: a dashboard's poll must not open a connection per container. */
export const HOST_CHECK_CONCURRENCY = 4;

/** Does the image a container runs (or a local image) still match its tag in the registry? */
@Injectable()
export class ImageStatusService {
  private readonly platforms = new Map<string, Promise<{ os: string; architecture: string }>>();

  constructor(
    private readonly hosts: DockerHosts,
    private readonly directory: RegistryDirectory,
    private readonly checker: UpdateChecker,
  ) {}

  /** From the image the container runs (its id: the tag may have been pulled anew since) and the reference it was created from. */
  async forContainer(hostId: string, id: string, refresh = false): Promise<ContainerImageStatusDto> {
    const engine = this.hosts.get(hostId);
    const container = await engine.inspectContainer(id);
    const image = await engine.inspectImage(container.Image);
    const status = await this.statusOf(engine, container.Config.Image, image, refresh);
    return { containerId: container.Id, containerName: container.Name.replace(/^\//, ''), ...status };
  }

  /** A local image by the reference given (an id or a digest names no tag to check: skipped). */
  async forImage(hostId: string, ref: string, refresh = false): Promise<ImageStatusDto> {
    const engine = this.hosts.get(hostId);
    return this.statusOf(engine, ref, await engine.inspectImage(ref), refresh);
  }

  /** Every container of the host; each distinct image and reference checked once, HOST_CHECK_CONCURRENCY at a time. */
  async forHost(hostId: string, refresh = false): Promise<HostImageStatusDto> {
    const engine = this.hosts.get(hostId);
    const containers = await engine.listContainers({ all: true });
    const checks = new Map<string, Promise<ImageStatusDto>>();
    const images = new Map<string, Promise<EngineImageInspect>>();
    const answers = await mapBounded(containers, HOST_CHECK_CONCURRENCY, async (summary): Promise<ContainerImageStatusDto | undefined> => {
      const reference = await createdFrom(engine, summary);
      // Removed since the list was read: not this host's container any more.
      if (reference === undefined) return undefined;
      const key = `${summary.ImageID}\n${reference}`;
      let check = checks.get(key);
      if (!check) {
        let image = images.get(summary.ImageID);
        if (!image) images.set(summary.ImageID, (image = engine.inspectImage(summary.ImageID)));
        check = image.then((inspect) => this.statusOf(engine, reference, inspect, refresh));
        checks.set(key, check);
      }
      return { containerId: summary.Id, containerName: (summary.Names[0] ?? '').replace(/^\//, ''), ...(await check) };
    });
    const items = answers.filter((item) => item !== undefined);
    const counts = Object.fromEntries(IMAGE_STATUS_STATES.map((state) => [state, 0])) as Record<ImageStatusState, number>;
    for (const item of items) counts[item.state] += 1;
    return { counts, items };
  }

  private async statusOf(engine: Engine, reference: string, image: EngineImageInspect, refresh: boolean): Promise<ImageStatusDto> {
    const about = { reference, imageId: image.Id };
    const skipped = (reason: 'pinned-by-digest' | 'image-id' | 'locally-built', detail: string, localDigests: string[] = []) => ({
      ...about,
      state: 'skipped' as const,
      reason,
      detail,
      localDigests,
      checkedAt: new Date().toISOString(),
    });
    if (isImageId(reference, image.Id)) return skipped('image-id', `${reference} is an image id: it names no tag to check.`);
    const { repository, digest } = parseImageRef(reference);
    if (digest)
      return skipped(
        'pinned-by-digest',
        `${reference} is pinned by digest: it cannot change.`,
        repositoryDigests(image.RepoDigests, repository),
      );

    const target = registryTarget(reference);
    const localDigests = repositoryDigests(image.RepoDigests, target.reference);
    if (localDigests.length === 0)
      return skipped(
        'locally-built',
        `The image has no digest from ${target.host}/${target.repository}: it was built, committed, loaded or tagged on this host, never pulled from or pushed to that registry.`,
      );
    let access;
    try {
      access = (await this.directory.byHost(target.host)) ?? anonymousAccess(target.host);
    } catch (error) {
      // One record the key cannot open is this image's trouble, not the whole host list's.
      if (!isProblem(error, 'REGISTRY_SECRET_UNREADABLE')) throw error;
      const failed = { state: 'error' as const, reason: 'secret-unreadable' as const, detail: error.detail, localDigests };
      return { ...about, registry: target.host, ...failed, checkedAt: new Date().toISOString() };
    }
    const platform = await this.platformOf(engine, image);
    const status = await this.checker.check({ hostId: engine.host.id, target, access, localDigests, platform, refresh });
    return { ...about, registry: target.host, ...(access.id && { registryId: access.id }), platform: platformName(platform), ...status };
  }

  /** The engine's platform (what it pulls for); the variant, which /version does not tell, from the image when it is for that architecture. */
  private async platformOf(engine: Engine, image: EngineImageInspect): Promise<Platform> {
    let platform = this.platforms.get(engine.host.id);
    if (!platform) {
      platform = engine.version().then(({ Os, Arch }) => ({ os: Os, architecture: Arch }));
      this.platforms.set(engine.host.id, platform);
      platform.catch(() => this.platforms.delete(engine.host.id));
    }
    const { os, architecture } = await platform;
    const variant = image.Architecture === architecture ? (image as { Variant?: string }).Variant : undefined;
    return { os, architecture, ...(variant && { variant }) };
  }
}

/** `docker ps` shows the image id instead of the reference once the tag has moved: then the container's inspect tells it. */
async function createdFrom(engine: Engine, summary: EngineContainerSummary): Promise<string | undefined> {
  if (!isImageId(summary.Image, summary.ImageID)) return summary.Image;
  try {
    return (await engine.inspectContainer(summary.Id)).Config.Image;
  } catch (error) {
    if (isProblem(error, 'CONTAINER_NOT_FOUND')) return undefined;
    throw error;
  }
}

/** `sha256:<hex>`, or bare hex that is a prefix of the image's own id (the engine takes both as an id). */
function isImageId(reference: string, imageId: string): boolean {
  if (reference.startsWith('sha256:')) return true;
  return /^[a-f0-9]{1,64}$/.test(reference) && imageId.startsWith(`sha256:${reference}`);
}

/** `work` over `items` with at most `limit` running at once, answers in the items' order. */
export async function mapBounded<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
