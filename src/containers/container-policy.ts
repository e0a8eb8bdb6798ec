import { Injectable } from '@nestjs/common';
import type { Role } from '../common/access.decorators.js';
import type { Principal } from '../common/principal.js';
import { ProblemException, isProblem } from '../common/problem.js';
import { AppConfig } from '../config/app-config.js';
import type { Engine } from '../docker/engine.js';
import type { EngineContainerInspect } from '../docker/engine-types.js';
import { canonicalImageRef } from '../docker/image-ref.js';
import {
  CreatePolicyOptions,
  CreatePolicyRequest,
  DEFAULT_ENGINE_SOCKETS,
  JoinedContainer,
  PolicyDecision,
  PolicyRule,
  PolicyViolation,
  SharedMount,
  createPolicyViolations,
  decideCreatePolicy,
} from './create-policy.js';
import { MountFacts, containerBindSources } from './mount-facts.js';
import { allowedRootOf, bindSourceViolations, bindSources, clean, namedVolumes, within } from './mount-rules.js';
import { joinedRefs, namesNetwork, policyRequestFromInspect } from './policy-request.js';

/** What a caller does with an existing container that gets it what the container has. */
export type EntryAction = 'exec' | 'attach' | 'commit' | 'connect' | 'disconnect';

/** How many `container:` joins are followed; a longer chain is refused, not trusted. */
export const MAX_JOIN_DEPTH = 8;

/** The rules on the state of a bind source on the host, rather than on what a container is configured with. */
const BIND_SOURCE_RULES = new Set<PolicyRule>(['bind-source-missing', 'bind-symlink', 'bind-unverifiable']);

/**
 * The create policy on the engine's real state: for a create (what it joins, which network it
 * names), for entering an existing container (exec, attach, commit: that container's own
 * configuration, made by Berth or not) and for replacing an image tag a policy exception runs.
 * Whatever the policy would deny a non-admin to create, a non-admin may not reach this way either.
 */
@Injectable()
export class ContainerPolicy {
  readonly options: CreatePolicyOptions;

  constructor(
    private readonly config: AppConfig,
    private readonly mountFacts: MountFacts,
  ) {
    const engineSocket = config.dockerHost.startsWith('unix://') ? [config.dockerHost.slice('unix://'.length)] : [];
    this.options = {
      allowedBindRoots: config.allowedBindRoots,
      engineSockets: [...new Set([...DEFAULT_ENGINE_SOCKETS, ...engineSocket])],
      allowedVolumeDrivers: config.allowedVolumeDrivers,
      // Where Berth runs beside the engine its data dir is a host path; in a container it is a volume, found by MountFacts.
      berthPaths: [config.dataDir],
    };
  }

  /**
   * `docker create`: the decision on a request, with what it joins and the network it names read from the engine.
   * `joined`: the containers judged, with their ids, for pinJoins (a pull may take as long as a registry likes);
   * `networkId` and `networks`: the networks judged, with their ids, for pinNetworks.
   */
  async decideCreate(
    engine: Engine,
    request: CreatePolicyRequest,
    role: Role | undefined,
  ): Promise<PolicyDecision & { joined: JoinedContainer[] } & Pick<CreatePolicyRequest, 'networkId' | 'networks'>> {
    const gathered = await this.gatherPolicyInputs(engine, request);
    return {
      ...decideCreatePolicy(gathered, role, this.options),
      joined: gathered.joined ?? [],
      networkId: gathered.networkId,
      networks: gathered.networks,
    };
  }

  /**
   * Exec, attach, commit (and whatever else enters a container): allowed to a non-admin only when
   * the container's own configuration passes the create policy; else 403 POLICY_DENIED naming the
   * rules. Answers the inspect it judged: act on its `Id`, not on a name that may move meanwhile.
   */
  async authorizeEntry(
    engine: Engine,
    container: string,
    principal: Principal | undefined,
    action: EntryAction,
  ): Promise<EngineContainerInspect> {
    const inspect = await engine.inspectContainer(container);
    if (principal?.role === 'admin') return inspect;
    const violations = await this.containerViolations(engine, inspect);
    if (violations.length) {
      throw policyDenied(violations, `Container ${displayName(inspect)} is a policy exception, so only an admin may ${action} it`);
    }
    return inspect;
  }

  /**
   * Replacing `ref` (commit; later tag, pull, build, load) changes what every container made from it
   * runs next: when one of them is a policy exception, only an admin may. 403 POLICY_DENIED names
   * its rules and the containers.
   */
  async authorizeTagReplacement(engine: Engine, ref: string, principal: Principal | undefined): Promise<void> {
    if (principal?.role === 'admin') return;
    const exceptions = await this.exceptionsUsingTag(engine, ref);
    if (exceptions.length === 0) return;
    const violations = exceptions.flatMap(({ inspect, violations: found }) =>
      found.map((v) => ({ rule: v.rule, detail: `container ${displayName(inspect)}: ${v.detail}` })),
    );
    throw policyDenied(
      violations,
      `${ref} is the image of the policy exception ${exceptions.map((e) => displayName(e.inspect)).join(', ')}, so only an admin may replace it`,
      {
        containers: exceptions.map((e) => e.inspect.Id),
      },
    );
  }

  /** Whether Berth runs in a container of this engine (where it does not, no container there is Berth's). */
  async berthRunsOn(engine: Engine): Promise<boolean> {
    return this.mountFacts.berthRunsOn(engine);
  }

  /** Whether the container (its full id) is Berth's own on this engine. */
  isBerth(engine: Engine, containerId: string): Promise<boolean> {
    return this.mountFacts.isBerth(engine, containerId);
  }

  /** Every way an existing container is root on the host, by the create policy, its joins followed. */
  async containerViolations(
    engine: Engine,
    inspect: EngineContainerInspect,
    trail: string[] = [],
    withShared = trail.length === 0,
  ): Promise<PolicyViolation[]> {
    const [request, isBerth] = await Promise.all([
      this.gatherPolicyInputs(engine, policyRequestFromInspect(inspect), [...trail, inspect.Id], withShared),
      this.mountFacts.isBerth(engine, inspect.Id),
    ]);
    return createPolicyViolations({ ...request, isBerth }, this.options);
  }

  /**
   * The request's named volumes and bind sources (under the allowed roots) that a policy exception mounts too: writing
   * there changes what the exception reads, as root on the host (a privileged agent's config volume, its scripts'
   * directory). Each container sharing one is judged by the rest of the policy (not this rule again: a chain of shared
   * mounts is not followed). Berth's own container is left out: its data is `berth-volume`'s, and the host view it
   * reads bind sources through is only read.
   */
  private async sharedWithExceptions(engine: Engine, request: CreatePolicyRequest, trail: string[]): Promise<SharedMount[]> {
    const volumes = namedVolumes(request);
    const binds = bindSources(request).filter((source) => allowedRootOf(source, this.options.allowedBindRoots) !== undefined);
    if (volumes.length === 0 && binds.length === 0) return [];
    const sharing = (mount: { Type?: string; Name?: string; Source?: string }): string | undefined => {
      if (mount.Type === 'volume' && mount.Name && volumes.includes(mount.Name)) return mount.Name;
      if (mount.Type !== 'bind' || !mount.Source) return undefined;
      const source = clean(mount.Source);
      // The exception's source inside the bind, or the bind inside a source of the exception's that lies below an
      // allowed root: not one at or above a root (`/` of a node exporter), which every bind would be inside.
      return binds.find((bind) => {
        const root = clean(allowedRootOf(bind, this.options.allowedBindRoots)!);
        return within(source, clean(bind)) || (within(clean(bind), source) && source !== root && within(source, root));
      });
    };
    const candidates = (await engine.listContainers({ all: true })).filter(
      (container) => !trail.includes(container.Id) && (container.Mounts ?? []).some((mount) => sharing(mount) !== undefined),
    );
    const found: SharedMount[] = [];
    for (const candidate of candidates) {
      if (await this.mountFacts.isBerth(engine, candidate.Id)) continue;
      let inspect: EngineContainerInspect;
      try {
        inspect = await engine.inspectContainer(candidate.Id);
      } catch (error) {
        if (isProblem(error, 'CONTAINER_NOT_FOUND')) continue;
        throw error;
      }
      // What makes it root on the host by its configuration; not the state of its bind sources (a symlink planted
      // in an operator's own source makes that container one no non-admin may start, not an exception to keep others from).
      const violations = (await this.containerViolations(engine, inspect, [], false)).filter(
        (violation) => !BIND_SOURCE_RULES.has(violation.rule),
      );
      if (violations.length === 0) continue;
      for (const mount of inspect.Mounts ?? []) {
        const shared = sharing(mount);
        if (shared !== undefined) found.push({ mount: shared, container: displayName(inspect) });
      }
    }
    return found;
  }

  /**
   * The one place that reads from the engine and the host what the policy needs beyond the
   * request itself: the containers its `container:` modes join (each judged by the whole policy,
   * to the end of its chain), the driver of the network it names, its named volumes and its bind
   * sources on the host. `trail`: the containers already on the join chain (ids), for the bound
   * and for cycles; empty for a create.
   */
  async gatherPolicyInputs(
    engine: Engine,
    request: CreatePolicyRequest,
    trail: string[] = [],
    withShared = true,
  ): Promise<CreatePolicyRequest> {
    const [joined, network, networks, mounts, sharedWithExceptions, berthNetworks] = await Promise.all([
      Promise.all(joinedRefs(request).map((ref) => this.joinedContainer(engine, ref, trail))),
      this.namedNetwork(engine, request.network),
      Promise.all((request.networks ?? []).map(async (n) => ({ ...n, ...(await this.namedNetwork(engine, n.name)) }))),
      this.mountFacts.gather(engine, request),
      withShared ? this.sharedWithExceptions(engine, request, trail) : [],
      this.mountFacts.berthNetworks(engine),
    ]);
    return {
      ...request,
      sharedWithExceptions,
      berthNetworks,
      joined,
      ...(network && { networkDriver: network.driver, networkId: network.id }),
      ...(request.networks && { networks }),
      ...mounts,
    };
  }

  /**
   * `docker network connect`: the create policy's network rule on the network (a host-driver one is the host's stack),
   * and the container's own configuration, as for exec: a policy-exception container is an admin's to connect or
   * disconnect. Answers the container judged: act on its `Id`.
   */
  async authorizeNetworkChange(
    engine: Engine,
    network: { Id: string; Name: string; Driver: string },
    container: string,
    principal: Principal | undefined,
    action: 'connect' | 'disconnect',
  ): Promise<EngineContainerInspect> {
    const inspect = await this.authorizeEntry(engine, container, principal, action);
    if (action === 'connect' && principal?.role !== 'admin') {
      const berthNetworks = await this.mountFacts.berthNetworks(engine);
      const violations = createPolicyViolations(
        { network: network.Name, networkDriver: network.Driver, networkId: network.Id, berthNetworks },
        this.options,
      );
      if (violations.length) throw policyDenied(violations, `Only an admin may connect a container to network ${network.Name}`);
    }
    return inspect;
  }

  /**
   * What forbids starting a container. For a non-admin (`whole`), the whole create policy on its configuration:
   * a non-admin may not start (or restart) an admin's exception, whose command is root on the host. For an admin,
   * the bind sources under the allowed roots as they are now, since the engine follows their symlinks at every
   * start (starts Berth does not perform are BindWatcher's); no inspect (and no violation) without allowed roots:
   * then every bind is an admin's exception already.
   */
  async startViolations(
    engine: Engine,
    container: string,
    whole: boolean,
  ): Promise<{ inspect?: EngineContainerInspect; violations: PolicyViolation[] }> {
    if (!whole && this.config.allowedBindRoots.length === 0) return { violations: [] };
    const inspect = await engine.inspectContainer(container);
    // The whole policy checks the bind sources too (gatherPolicyInputs).
    if (whole) return { inspect, violations: await this.containerViolations(engine, inspect) };
    const checks = await this.mountFacts.checkBindSources(engine, containerBindSources(inspect));
    return { inspect, violations: checks.flatMap(bindSourceViolations) };
  }

  private async joinedContainer(engine: Engine, ref: string, trail: string[]): Promise<JoinedContainer> {
    const refused = (detail: string): JoinedContainer => ({ ref, violations: [{ rule: 'joins-privileged-container', detail }] });
    if (trail.length >= MAX_JOIN_DEPTH) return refused(`the chain of joined containers is longer than ${MAX_JOIN_DEPTH}`);
    let inspect: EngineContainerInspect;
    try {
      inspect = await engine.inspectContainer(ref);
    } catch (error) {
      // A create naming a missing container is the engine's to refuse (404); an existing joiner still holds
      // the namespaces its vanished target shared, and what they were can no longer be checked.
      if (trail.length > 0 && isProblem(error, 'CONTAINER_NOT_FOUND'))
        return refused('it no longer exists, so what it shared cannot be checked');
      throw error;
    }
    if (trail.includes(inspect.Id)) return refused('the chain of joined containers loops');
    return { ref, id: inspect.Id, violations: await this.containerViolations(engine, inspect, trail) };
  }

  /** The driver and full id of a named network (name, id or id prefix); undefined for modes and for networks the engine does not know (it refuses those itself). */
  private async namedNetwork(engine: Engine, network: string | undefined): Promise<{ driver: string; id: string } | undefined> {
    if (!namesNetwork(network)) return undefined;
    try {
      const inspect = await engine.inspectNetwork(network);
      return { driver: inspect.Driver, id: inspect.Id };
    } catch (error) {
      if (isProblem(error, 'NETWORK_NOT_FOUND')) return undefined;
      throw error;
    }
  }

  /** The containers whose image is `ref` (as they were created, or by its current id) and that are policy exceptions. */
  private async exceptionsUsingTag(
    engine: Engine,
    ref: string,
  ): Promise<Array<{ inspect: EngineContainerInspect; violations: PolicyViolation[] }>> {
    const wanted = canonicalImageRef(ref);
    const [currentId, containers] = await Promise.all([
      engine.inspectImage(ref).then(
        (image) => image.Id,
        (error: unknown) => {
          if (isProblem(error, 'IMAGE_NOT_FOUND')) return undefined;
          throw error;
        },
      ),
      engine.listContainers({ all: true }),
    ]);
    // The list shows the image id instead of the name once the tag has moved on: those need an inspect to tell.
    const candidates = containers.filter(
      (c) => c.ImageID === currentId || c.Image.startsWith('sha256:') || canonicalImageRef(c.Image) === wanted,
    );
    const judged = await Promise.all(
      candidates.map(async (candidate) => {
        const inspect = await engine.inspectContainer(candidate.Id).catch((error: unknown) => {
          if (isProblem(error, 'CONTAINER_NOT_FOUND')) return undefined;
          throw error;
        });
        if (!inspect || (inspect.Image !== currentId && canonicalImageRef(inspect.Config.Image) !== wanted)) return undefined;
        // By its own configuration (what its image's next code could do as root), not by mounts it shares: one listing
        // of every container per candidate would make a tag check cost as much as the host has containers, squared.
        const violations = await this.containerViolations(engine, inspect, [], false);
        return violations.length ? { inspect, violations } : undefined;
      }),
    );
    return judged.filter((found) => found !== undefined);
  }
}

/** 403 POLICY_DENIED: what was refused, and every rule with its detail (the rules also as a list, for clients). */
export function policyDenied(violations: PolicyViolation[], what: string, extensions: Record<string, unknown> = {}): ProblemException {
  const rules = [...new Set(violations.map((v) => v.rule))];
  return new ProblemException(403, 'POLICY_DENIED', `${what}: ${violations.map((v) => `${v.rule} (${v.detail})`).join('; ')}.`, {
    extensions: { rules, violations, ...extensions },
  });
}

function displayName(inspect: EngineContainerInspect): string {
  return inspect.Name?.replace(/^\//, '') || inspect.Id.slice(0, 12);
}
