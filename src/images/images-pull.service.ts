import { Injectable } from '@nestjs/common';
import type { Principal } from '../common/principal.js';
import { ContainerPolicy } from '../containers/container-policy.js';
import { DockerHosts } from '../docker/docker-hosts.js';
import { withDefaultTag } from '../docker/image-ref.js';
import { RegistryAuthProvider } from '../docker/registry-auth.js';
import { JobRunner, JobView } from '../jobs/job-types.js';
import type { ImagePullDto } from './dto/images-pull.dto.js';
import { completedProgress, foldLayer, progressLine, pullProgress } from './image-progress.js';
import type { LayerProgress } from '../jobs/job-types.js';

/** What a pull job answers once the image is there. */
export interface PullResult {
  image: string;
  /** The image id (`sha256:…`). */
  imageId: string;
  repoDigests: string[];
}

/** `docker pull` as a job: progress per layer, the engine's error fails it, identical pulls on a host share one. */
@Injectable()
export class ImagesPullService {
  constructor(
    private readonly hosts: DockerHosts,
    private readonly jobs: JobRunner,
    private readonly policy: ContainerPolicy,
    private readonly registryAuth: RegistryAuthProvider,
  ) {}

  async pull(host: string, dto: ImagePullDto, principal: Principal | undefined): Promise<JobView> {
    const engine = this.hosts.get(host);
    // Without a tag the engine would pull every tag of the repository.
    const ref = withDefaultTag(dto.image);
    // A pull moves the tag: over one a policy exception runs, only an admin may.
    await this.policy.authorizeTagReplacement(engine, ref, principal);
    const auth = await this.registryAuth.authFor(ref, dto.registryId);
    return this.jobs.start<PullResult>(
      {
        kind: 'pull',
        host,
        target: ref,
        // Only the same pull with the same credentials is shared: another registry record's may be refused.
        dedupeKey: `pull ${host} ${ref} ${dto.platform ?? ''} ${dto.registryId ?? ''}`,
        authorize: () => this.policy.authorizeTagReplacement(engine, ref, principal),
        run: async (context) => {
          let layers: LayerProgress[] = [];
          await engine.pullImage(ref, auth, {
            platform: dto.platform,
            signal: context.signal,
            onMessage: (message) => {
              const line = progressLine(message);
              if (line !== undefined) context.output(line);
              const next = foldLayer(layers, message);
              if (next.length !== layers.length || next.some((layer, i) => layer !== layers[i])) {
                layers = next;
                context.progress(pullProgress(layers));
              }
            },
          });
          // The image must be there: a stream that ended without an error is not proof enough.
          const image = await engine.inspectImage(ref);
          context.progress(completedProgress(pullProgress(layers)));
          return { image: ref, imageId: image.Id, repoDigests: image.RepoDigests ?? [] };
        },
      },
      principal,
    );
  }
}
