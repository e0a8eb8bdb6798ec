import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import type { Engine } from '../docker/engine.js';
import type { EngineContainerInspect } from '../docker/engine-types.js';
import { BerthContainer } from './berth-container.js';
import type { CreatePolicyRequest } from './create-policy.js';
import { BindSourceCheck, MountedVolume, allowedRootOf, bindSources, namedVolumes } from './mount-rules.js';
import { HostPaths, checkBindSource } from './host-paths.js';

export type MountRequest = Pick<CreatePolicyRequest, 'binds' | 'mounts'>;
export type MountPolicyFacts = Required<Pick<CreatePolicyRequest, 'volumes' | 'bindSources' | 'berthDataSources'>>;

/**
 * Gathers what the policy needs to know of a container's binds and volumes, from the engine (volume inspect,
 * Berth's own container) and the host's filesystem, so that the policy itself stays a pure function.
 */
@Injectable()
export class MountFacts {
  constructor(
    private readonly config: AppConfig,
    private readonly paths: HostPaths,
    private readonly berth: BerthContainer,
  ) {}

  /** The policy's inputs for `binds` and `mounts` on this engine: pass them into decideCreatePolicy's request. */
  async gather(engine: Engine, request: MountRequest): Promise<MountPolicyFacts> {
    const [volumes, checks, berth] = await Promise.all([
      this.inspectVolumes(engine, namedVolumes(request)),
      this.checkBindSources(engine, bindSources(request)),
      bindSources(request).length > 0 ? this.berth.on(engine) : undefined,
    ]);
    return { volumes, bindSources: checks, berthDataSources: berth?.dataSources ?? [] };
  }

  async berthRunsOn(engine: Engine): Promise<boolean> {
    return (await this.berth.on(engine)).inContainer;
  }

  /**
   * The ids of the networks Berth's own container is on, on this engine (none where it does not run in one), where
   * Berth reaches its engine over plain `tcp://` (a socket proxy): a container on one of them reaches that engine too.
   * Through the socket (the compose file's way) or TLS, those networks hold nothing but Berth's own API.
   */
  async berthNetworks(engine: Engine): Promise<string[]> {
    if (!this.config.dockerHost.startsWith('tcp://') || this.config.dockerTls) return [];
    return (await this.berth.on(engine)).networks ?? [];
  }

  /** Whether the container (its full id) is Berth's own on this engine. */
  async isBerth(engine: Engine, containerId: string): Promise<boolean> {
    return (await this.berth.on(engine)).id === containerId;
  }

  /** The named volumes as the engine has them; one that does not exist yet is created plain by the engine. */
  async inspectVolumes(engine: Engine, names: string[]): Promise<MountedVolume[]> {
    if (names.length === 0) return [];
    const protectedNames = new Set([...this.config.protectedVolumes, ...(await this.berth.on(engine)).volumes]);
    return Promise.all(
      names.map(async (name): Promise<MountedVolume> => {
        const volume = await engine.inspectVolume(name);
        const berthVolume = protectedNames.has(name);
        return volume
          ? { name, exists: true, driver: volume.Driver, options: volume.Options, berthVolume }
          : { name, exists: false, berthVolume };
      }),
    );
  }

  /** Checks each source that lies under an allowed root (others are the policy's outright: admins only). */
  async checkBindSources(engine: Engine, sources: string[]): Promise<BindSourceCheck[]> {
    const underRoots = [...new Set(sources)].flatMap((source) => {
      const root = allowedRootOf(source, this.config.allowedBindRoots);
      return root ? [{ source, root }] : [];
    });
    if (underRoots.length === 0) return [];
    const visible = this.paths.canSee(engine.host.url, (await this.berth.on(engine)).inContainer);
    return Promise.all(
      underRoots.map(({ source, root }) =>
        visible ? checkBindSource(this.paths, root, source) : { source, state: 'unverifiable' as const },
      ),
    );
  }

  /** Whether every bind of the container lies under an allowed root: one a non-admin could have made. */
  underAllowedRoots(sources: string[]): boolean {
    return sources.every((source) => allowedRootOf(source, this.config.allowedBindRoots) !== undefined);
  }
}

/** An existing container's binds and volumes (from inspect) in the create request's terms, for the same policy. */
export function containerMounts(inspect: Pick<EngineContainerInspect, 'Mounts'>): Required<MountRequest> {
  const mounts = (inspect.Mounts ?? []).flatMap((mount) => {
    if (mount.Type === 'bind' && mount.Source) return [{ type: 'bind', source: mount.Source }];
    if (mount.Type === 'volume' && mount.Name) return [{ type: 'volume', source: mount.Name }];
    return [];
  });
  return { binds: [], mounts };
}

/** An existing container's bind sources (both the `-v` and the `--mount` form), as the engine mounts them at start. */
export function containerBindSources(inspect: Pick<EngineContainerInspect, 'Mounts'>): string[] {
  return (inspect.Mounts ?? []).flatMap((mount) => (mount.Type === 'bind' && mount.Source ? [mount.Source] : []));
}
