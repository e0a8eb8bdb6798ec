import { Injectable } from '@nestjs/common';
import { Readable, Transform } from 'node:stream';
import type { Principal } from '../common/principal.js';
import { ProblemException, isProblem } from '../common/problem.js';
import { redactsFor } from '../common/redaction.js';
import { type Page, pageOf } from '../common/pagination.js';
import { ReadCoalescer } from '../common/read-coalescer.js';
import { AppConfig } from '../config/app-config.js';
import { ContainerPolicy } from '../containers/container-policy.js';
import { DockerHosts } from '../docker/docker-hosts.js';
import { JobRunner } from '../jobs/job-types.js';
import type { JobPlace, JobProgress, JobView } from '../jobs/job-types.js';
import type { Engine, ImageListQuery } from '../docker/engine.js';
import { canonicalImageRef, isTagName, parseImageReference, parseTagTarget } from '../docker/image-ref.js';
import type { ImageRemovedDto, ImagesLoadedDto, ImageTagDto, ImageTaggedDto } from './dto/image-actions.dto.js';
import type { ImageListQueryDto, ImageRemoveQueryDto } from './dto/image-query.dto.js';
import type { ImageHistoryItemDto, ImageInspectDto, ImageSummaryDto } from './dto/image-summary.dto.js';
import { type SpooledContext, spoolContext, startWithSpool } from './build-context.js';
import { TAG_FILES, loadedTags, readTarTagFiles } from './image-archive.js';
import {
  containerCounts,
  redactHistoryItem,
  redactImageInspect,
  toHistoryItem,
  toImageInspect,
  toImageSummary,
  toRemoved,
} from './image-views.js';

/** An upload's progress: bytes read so far of the `Content-Length` (when the client sent one). */
export function uploadProgress(currentBytes: number, totalBytes: number | null): JobProgress {
  const percent = totalBytes ? Math.min(100, Math.floor((currentBytes / totalBytes) * 100)) : null;
  return { percent, currentBytes, totalBytes, layers: [] };
}

function importTooLarge(maxBytes: number): ProblemException {
  return new ProblemException(413, 'PAYLOAD_TOO_LARGE', `The image tar is larger than ${maxBytes} bytes (BERTH_IMPORT_MAX_BYTES).`);
}

/** The most containers an IMAGE_IN_USE problem names. */
const MAX_NAMED_CONTAINERS = 20;

/** The filters of `docker images` as the engine takes them; `before`/`since` checked against the reference grammar. */
export function toImageListQuery(query: ImageListQueryDto): ImageListQuery {
  const filters: Record<string, string[]> = {};
  if (query.dangling !== undefined) filters.dangling = [String(query.dangling)];
  if (query.reference?.length) filters.reference = [...query.reference];
  if (query.label?.length) filters.label = [...query.label];
  for (const key of ['before', 'since'] as const) {
    const ref = query[key];
    if (ref !== undefined) filters[key] = [parseImageReference(ref, key).ref];
  }
  return { all: query.all ?? false, filters };
}

/** The list's page order (fleet lists make per-host cursors with it). */
export const IMAGE_ORDER = { key: (i: ImageSummaryDto) => [i.createdAt, i.id], parts: 2, descending: true };

/** Images of a host, as `docker images`, `inspect`, `history`, `tag`, `rmi`, `save` and `load` know them. */
@Injectable()
export class ImagesService {
  private readonly lists = new ReadCoalescer<ImageSummaryDto[]>();

  constructor(
    private readonly hosts: DockerHosts,
    private readonly policy: ContainerPolicy,
    private readonly jobs: JobRunner,
    private readonly config: AppConfig,
  ) {}

  /** `docker images`, newest first and paged, each with the number of containers using it; concurrent identical lists share one engine read. */
  async list(hostId: string, query: ImageListQueryDto): Promise<Page<ImageSummaryDto>> {
    const engine = this.hosts.get(hostId);
    const engineQuery = toImageListQuery(query);
    const key = `${hostId}\n${JSON.stringify(engineQuery)}`;
    const all = await this.lists.run(key, async () => {
      const [images, containers] = await Promise.all([engine.listImages(engineQuery), engine.listContainers({ all: true })]);
      const counts = containerCounts(containers);
      return images.map((image) => toImageSummary(image, counts));
    });
    return pageOf(all, query, IMAGE_ORDER);
  }

  /** Viewers get env values and build arguments redacted (BERTH_VIEWER_REDACTION), as for containers. */
  async inspect(hostId: string, ref: string, principal: Principal | undefined): Promise<ImageInspectDto> {
    const view = toImageInspect(await this.hosts.get(hostId).inspectImage(ref));
    return redactsFor(this.config.viewerRedaction, principal?.role) ? redactImageInspect(view) : view;
  }

  /** Viewers get the values of `ENV`/`ARG` steps and a `RUN`'s build arguments redacted (BERTH_VIEWER_REDACTION). */
  async history(hostId: string, ref: string, principal: Principal | undefined): Promise<ImageHistoryItemDto[]> {
    const items = (await this.hosts.get(hostId).imageHistory(ref)).map(toHistoryItem);
    return redactsFor(this.config.viewerRedaction, principal?.role) ? items.map(redactHistoryItem) : items;
  }

  /** `docker tag`. Moving a tag a policy-exception container runs is for admins only (403 POLICY_DENIED). */
  async tag(hostId: string, ref: string, dto: ImageTagDto, principal: Principal | undefined): Promise<ImageTaggedDto> {
    const reference = parseTagTarget(dto.repo, dto.tag);
    const engine = this.hosts.get(hostId);
    const { Id } = await engine.inspectImage(ref);
    await this.policy.authorizeTagReplacement(engine, reference, principal);
    await engine.tagImage(Id, dto.repo, dto.tag ?? 'latest');
    return { id: Id, reference };
  }

  /**
   * `docker rmi`; in use by a container → 409 IMAGE_IN_USE naming the containers (`containers` in the problem). Untagging
   * a tag a policy-exception container runs is for admins only, as moving it is: a build or `docker run` would pull
   * that tag again from the registry, whatever it holds by then.
   */
  async remove(hostId: string, ref: string, query: ImageRemoveQueryDto, principal: Principal | undefined): Promise<ImageRemovedDto> {
    const engine = this.hosts.get(hostId);
    if (principal?.role !== 'admin') {
      for (const tag of await untaggedBy(engine, ref)) await this.policy.authorizeTagReplacement(engine, tag, principal);
    }
    try {
      return toRemoved(await engine.removeImage(ref, { force: query.force ?? false, noprune: query.noprune ?? false }));
    } catch (error) {
      if (!isProblem(error, 'IMAGE_IN_USE')) throw error;
      throw await this.inUse(engine, ref, error);
    }
  }

  /** `docker save` of one or more images, as a stream the caller pipes out; `signal` ends the engine request. */
  async export(hostId: string, refs: string[], signal: AbortSignal): Promise<Readable> {
    const engine = this.hosts.get(hostId);
    // The engine answers 200 and then fails inside the tar for a missing image: check each first.
    for (const ref of refs) await engine.inspectImage(ref);
    return engine.exportImages(refs, signal);
  }

  /**
   * `docker load` as a job (kind `import`): the tar is spooled to a private file (never whole in memory,
   * capped), the tags it would write are read from it and each authorized like any other tag move (a
   * tag a policy exception runs: admins only, 403 and nothing loaded); then the file flows into the
   * engine (bytes so far are the job's progress) and the job's result is the references loaded.
   */
  async import(hostId: string, tar: Readable, totalBytes: number | null, principal: Principal | undefined): Promise<JobView> {
    const engine = this.hosts.get(hostId);
    const max = this.config.importMaxBytes;
    if (totalBytes !== null && totalBytes > max) throw importTooLarge(max);
    // The tar goes to disk before the job exists: it holds the job's place meanwhile.
    const place = this.jobs.reserve(hostId, principal);
    try {
      return await this.importSpooled(engine, hostId, await spoolContext(tar, max, importTooLarge), principal, place);
    } finally {
      place.release();
    }
  }

  private importSpooled(
    engine: Engine,
    hostId: string,
    spool: SpooledContext,
    principal: Principal | undefined,
    place: JobPlace,
  ): Promise<JobView> {
    return startWithSpool(spool, this.jobs, async () => {
      // A non-admin's tar is read strictly: what another reader could name differently is refused, as is a tar not read at all.
      const strict = principal?.role !== 'admin';
      const found = await readTarTagFiles(spool.path, TAG_FILES, { strict });
      if (strict && found.unreadable) throw new ProblemException(400, 'VALIDATION_FAILED', 'The body is not a tar archive Berth can read.');
      const tags = loadedTags(found);
      const authorize = async () => {
        for (const tag of tags) await this.policy.authorizeTagReplacement(engine, tag, principal);
      };
      await authorize();
      return this.jobs.start<ImagesLoadedDto>(
        {
          kind: 'import',
          host: hostId,
          target: 'docker load',
          authorize,
          run: async (context) => {
            let currentBytes = 0;
            const file = spool.open();
            const counted = file.pipe(
              new Transform({
                transform(chunk: Buffer, _encoding, done) {
                  currentBytes += chunk.length;
                  context.progress(uploadProgress(currentBytes, spool.bytes));
                  done(null, chunk);
                },
              }),
            );
            file.once('error', (error) => counted.destroy(error));
            const loaded = await engine.loadImages(counted, context.signal).finally(() => file.destroy());
            if (loaded.length === 0) throw new ProblemException(400, 'VALIDATION_FAILED', 'The tar held no image the engine could load.');
            for (const ref of loaded) context.output(`Loaded image: ${ref}`);
            context.progress({ ...uploadProgress(currentBytes, currentBytes), percent: 100 });
            return { loaded };
          },
        },
        principal,
        place,
      );
    });
  }

  /** The engine's 409 with the containers that use the image named, as `docker rmi` users need to act on it. */
  private async inUse(engine: Engine, ref: string, error: ProblemException): Promise<ProblemException> {
    const image = await engine.inspectImage(ref).catch(() => undefined);
    if (!image) return error;
    const users = (await engine.listContainers({ all: true, filters: { ancestor: [image.Id] } })).filter((c) => c.ImageID === image.Id);
    if (users.length === 0) return error;
    const containers = users.slice(0, MAX_NAMED_CONTAINERS).map((c) => ({ id: c.Id, name: (c.Names[0] ?? '').replace(/^\//, '') }));
    const names = containers.map((c) => c.name || c.id.slice(0, 12)).join(', ');
    return new ProblemException(409, 'IMAGE_IN_USE', `${ref} is used by the container(s) ${names}: remove them first, or force.`, {
      extensions: { containers },
    });
  }
}

/**
 * The tags removing `ref` takes away: the tag itself when it names one of the image's tags, else (an id, an id prefix)
 * every tag of the image. None for a digest reference or an image the engine does not have (its 404 comes next).
 */
async function untaggedBy(engine: Engine, ref: string): Promise<string[]> {
  if (ref.includes('@')) return [];
  let tags: string[];
  try {
    tags = (await engine.inspectImage(ref)).RepoTags ?? [];
  } catch (error) {
    if (isProblem(error, 'IMAGE_NOT_FOUND')) return [];
    throw error;
  }
  const named = isTagName(ref) ? canonicalImageRef(ref) : undefined;
  const own = tags.find((tag) => canonicalImageRef(tag) === named);
  return own ? [own] : tags;
}
