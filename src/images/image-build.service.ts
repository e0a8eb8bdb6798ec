import { Injectable } from '@nestjs/common';
import { Readable } from 'node:stream';
import type { Principal } from '../common/principal.js';
import { ProblemException } from '../common/problem.js';
import { AppConfig } from '../config/app-config.js';
import { ContainerPolicy } from '../containers/container-policy.js';
import { DockerHosts } from '../docker/docker-hosts.js';
import type { EngineBuildOptions } from '../docker/engine-build.js';
import type { Engine } from '../docker/engine.js';
import { isTagName, parseImageRef, withDefaultTag } from '../docker/image-ref.js';
import { RegistryAuthProvider } from '../docker/registry-auth.js';
import { JobRunner, type JobPlace, JobView } from '../jobs/job-types.js';
import { contextDockerfile, contextTooLarge, spoolContext, startWithSpool, tarFromFiles } from './build-context.js';
import { readBuildOutput } from './build-output.js';
import { addedUrls, dockerfileBases } from './dockerfile-bases.js';
import { progressLine } from './image-progress.js';
import type { ImageBuildDto, ImageBuildQueryDto, ImagePushDto } from './dto/image-build.dto.js';
import { readPushProgress } from './push-progress.js';

/** The media types of an uploaded context; anything else is 415. */
export const CONTEXT_TYPES: Record<string, string> = {
  'application/x-tar': 'application/x-tar',
  'application/tar': 'application/x-tar',
  'application/gzip': 'application/gzip',
  'application/x-gzip': 'application/gzip',
};

/** `K=V` pairs (query parameters) as a map; the first `=` splits. */
export function keyValues(pairs: string[] | undefined): Record<string, string> | undefined {
  if (!pairs) return undefined;
  return Object.fromEntries(pairs.map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
}

/** An upload's context: its media type, its declared length (if any) and its bytes. */
export interface ContextUpload {
  contentType: string;
  contentLength?: number;
  body: Readable;
}

/** `docker build` and `docker push` as jobs: the checks happen before the job, the engine's stream is read inside it. */
@Injectable()
export class ImageBuildService {
  constructor(
    private readonly hosts: DockerHosts,
    private readonly policy: ContainerPolicy,
    private readonly registryAuth: RegistryAuthProvider,
    private readonly jobs: JobRunner,
    private readonly config: AppConfig,
  ) {}

  /** A build from an uploaded tar or tar.gz: checked, then spooled (capped), then built by a job; the spool goes when the job is over. */
  async buildFromUpload(
    host: string,
    upload: ContextUpload,
    query: ImageBuildQueryDto,
    principal: Principal | undefined,
  ): Promise<JobView> {
    const contentType = CONTEXT_TYPES[upload.contentType];
    if (!contentType) {
      throw new ProblemException(
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        'A build context is application/x-tar or application/gzip; a build from JSON is application/json.',
      );
    }
    if (!query.tag || query.tag.length === 0) {
      throw new ProblemException(400, 'VALIDATION_FAILED', 'Invalid input: tag.', {
        errors: [{ field: 'tag', message: 'at least one tag is required' }],
      });
    }
    const max = this.config.buildContextMaxBytes;
    if (upload.contentLength !== undefined && upload.contentLength > max) throw contextTooLarge(max);
    const engine = this.hosts.get(host);
    const options: EngineBuildOptions = {
      tags: query.tag,
      dockerfile: query.dockerfile,
      buildArgs: keyValues(query.buildArg),
      target: query.target,
      labels: keyValues(query.label),
      noCache: query.noCache,
      pull: query.pull,
      platform: query.platform,
      contentType,
    };
    await this.authorizeTags(engine, options.tags, principal);
    // The upload goes to disk before the job exists: it holds the job's place meanwhile.
    const place = this.jobs.reserve(host, principal);
    try {
      const spool = await spoolContext(upload.body, max);
      // Gone as soon as the engine has read it; and in any case once the job is over.
      return await startWithSpool(spool, this.jobs, async () => {
        const dockerfile = principal?.role !== 'admin' ? await contextDockerfile(spool.path, query.dockerfile, max) : undefined;
        this.refuseAddedUrls(dockerfile, principal);
        const bases = query.pull ? this.pulledBases(dockerfile, options.buildArgs, principal) : [];
        await this.authorizeTags(engine, bases, principal);
        return this.startBuild(engine, options, () => spool.open().once('close', () => void spool.remove()), principal, bases, place);
      });
    } finally {
      place.release();
    }
  }

  /** A build from JSON: the context is a small tar Berth makes (the body parser bounds its size). */
  async buildFromJson(host: string, dto: ImageBuildDto, principal: Principal | undefined): Promise<JobView> {
    const engine = this.hosts.get(host);
    const context = tarFromFiles({ ...dto.files, Dockerfile: dto.dockerfile });
    const { tags, buildArgs, target, labels, noCache, pull, platform } = dto;
    const options: EngineBuildOptions = {
      tags,
      buildArgs,
      target,
      labels,
      noCache,
      pull,
      platform,
      dockerfile: 'Dockerfile',
      contentType: 'application/x-tar',
    };
    this.refuseAddedUrls(dto.dockerfile, principal);
    const bases = pull ? this.pulledBases(dto.dockerfile, buildArgs, principal) : [];
    await this.authorizeTags(engine, [...dto.tags, ...bases], principal);
    return this.startBuild(engine, options, () => Readable.from([context]), principal, bases);
  }

  /** `docker push repository:tag` as a job; the tag is always sent. */
  async push(host: string, ref: string, dto: ImagePushDto, principal: Principal | undefined): Promise<JobView> {
    const engine = this.hosts.get(host);
    // A push names a repository: an image id or a digest has none to push to.
    if (!isTagName(ref)) {
      throw new ProblemException(400, 'VALIDATION_FAILED', 'Invalid input: ref.', {
        errors: [{ field: 'ref', message: 'ref must be an image name with an optional tag, e.g. registry.example.com/team/app:1.0' }],
      });
    }
    const { repository, tag } = parseImageRef(ref);
    const pushTag = dto.tag ?? tag ?? 'latest';
    const target = `${repository}:${pushTag}`;
    await engine.inspectImage(target);
    // The stored credentials of the reference's host, or of the registry named (which must be for that host).
    const auth = await this.registryAuth.authFor(target, dto.registryId);
    return this.jobs.start(
      {
        kind: 'push',
        host,
        target,
        dedupeKey: `push ${target} ${dto.registryId ?? ''}`,
        run: async (context) => readPushProgress(host, await engine.openPush(repository, pushTag, auth, context.signal), context),
      },
      principal,
    );
  }

  /**
   * With `pull` the engine pulls every base image again, which moves its tag: the FROM references to
   * authorize like a pull's. None for an admin (who may move any tag); a FROM Berth cannot resolve
   * (a build argument without a value) is refused, since the tag it would move is unknown.
   */
  private pulledBases(
    dockerfile: string | undefined,
    buildArgs: Record<string, string> | undefined,
    principal: Principal | undefined,
  ): string[] {
    if (principal?.role === 'admin' || dockerfile === undefined) return [];
    const { refs, unresolved } = dockerfileBases(dockerfile, buildArgs);
    if (unresolved.length > 0)
      throw new ProblemException(
        403,
        'POLICY_DENIED',
        `With pull, every base image (FROM, COPY --from) is pulled again, but ${unresolved[0]} names a build argument without a value: ` +
          'give it in buildArgs, or build without pull.',
      );
    // A digest moves no tag.
    return refs.filter((ref) => !ref.includes('@'));
  }

  /**
   * `ADD <url>` is fetched by dockerd itself, from the host's network namespace (its loopback, services the firewall
   * keeps from containers): for admins only. Others fetch in a `RUN` step, from a build container like any other.
   */
  private refuseAddedUrls(dockerfile: string | undefined, principal: Principal | undefined): void {
    if (principal?.role === 'admin') return;
    // A Dockerfile Berth cannot find or read (a symlink, a directory link) is one it cannot judge.
    if (dockerfile === undefined)
      throw new ProblemException(
        400,
        'VALIDATION_FAILED',
        'The context holds no Dockerfile Berth can read at the path named (a regular file).',
      );
    const [url] = addedUrls(dockerfile);
    if (url === undefined) return;
    throw new ProblemException(
      403,
      'POLICY_DENIED',
      `ADD ${url}: the engine itself would fetch it, from the host's network; only an admin may. Fetch it in a RUN step (curl, wget) instead.`,
    );
  }

  /** Every tag a build writes moves that tag: over one a policy exception runs, only an admin may. */
  private async authorizeTags(engine: Engine, tags: string[], principal: Principal | undefined): Promise<void> {
    for (const tag of tags) await this.policy.authorizeTagReplacement(engine, withDefaultTag(tag), principal);
  }

  /** The build as a job; its tags (and the base images it pulls again) are checked again when it leaves the queue. */
  private async startBuild(
    engine: Engine,
    options: EngineBuildOptions,
    open: () => Readable,
    principal: Principal | undefined,
    bases: string[],
    place?: JobPlace,
  ): Promise<JobView> {
    // X-Registry-Config: the classic builder picks, per base image, the stored credentials of its registry.
    const withAuth: EngineBuildOptions = { ...options, registryConfig: await this.registryAuth.buildAuths() };
    return this.jobs.start(
      {
        kind: 'build',
        host: engine.host.id,
        target: options.tags.join(', '),
        authorize: () => this.authorizeTags(engine, [...options.tags, ...bases], principal),
        run: async (context) => {
          // A non-admin's `pull`: Berth pulls the bases it judged, and the engine builds with what is then local. Were the
          // engine to pull, it would pull the bases of the Dockerfile as it reads it, which a crafted context (a
          // `dockerfile` beside no `Dockerfile`, a symlinked directory, a continuation Berth joins differently) can make
          // another than the one Berth judged.
          const berthPulls = options.pull === true && principal?.role !== 'admin';
          if (berthPulls) {
            // With its tag (`latest` when none is named, as authorized): without one the engine pulls every tag.
            for (const base of bases.map(withDefaultTag)) {
              context.output(`Pulling ${base}`);
              await engine.pullImage(base, await this.registryAuth.authFor(base), {
                platform: options.platform,
                signal: context.signal,
                onMessage: (message) => {
                  const line = progressLine(message);
                  if (line !== undefined) context.output(line);
                },
              });
            }
          }
          const engineOptions = berthPulls ? { ...withAuth, pull: false } : withAuth;
          const output = await engine.openBuild(open(), engineOptions, context.signal);
          const { id } = await readBuildOutput(engine.host.id, output, context);
          return { id, tags: options.tags };
        },
      },
      principal,
      place,
    );
  }
}
