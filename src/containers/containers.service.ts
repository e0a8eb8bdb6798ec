import { PolicyException, withExceptionAudit } from './policy-exception-audit.js';
import { Injectable } from '@nestjs/common';
import type { Readable } from 'node:stream';
import { AuditLog } from '../audit/audit-log.js';
import { Authenticator } from '../auth/authenticator.js';
import { snapshotLogOptions } from '../common/log-time.js';
import type { Principal } from '../common/principal.js';
import { ProblemException, isProblem } from '../common/problem.js';
import type { ProblemCode } from '../common/problem-codes.js';
import { redactsFor } from '../common/redaction.js';
import { type Page, type PageRequest, pageOf } from '../common/pagination.js';
import { reusedAnswer } from '../common/json-once.js';
import { ReadCoalescer } from '../common/read-coalescer.js';
import { validationFailed } from '../common/validation.js';
import { AppConfig } from '../config/app-config.js';
import { DockerHosts } from '../docker/docker-hosts.js';
import type { ContainerListQuery, Engine } from '../docker/engine.js';
import type { EngineContainerSummary } from '../docker/engine-types.js';
import { withDefaultTag } from '../docker/image-ref.js';
import { RegistryAuthProvider } from '../docker/registry-auth.js';
import { redactInspect, toInspect, toSummary, toTop } from './container-views.js';
import { toStats } from '../stats/container-stats.js';
import { ContainerPolicy, policyDenied } from './container-policy.js';
import type { CommittedImageDto, ContainerCommitDto, ContainerTopDto, ExecDto, ExecResultDto } from './dto/container-actions.dto.js';
import { ContainerCreateDto, ContainerCreatedDto, createRequestProblems } from './dto/container-create.dto.js';
import type { ContainerInspectDto } from './dto/container-inspect.dto.js';
import type { ContainerListQueryDto, LogsQueryDto } from './dto/container-query.dto.js';
import type { ContainerStatsDto } from '../stats/container-stats.dto.js';
import type { ContainerSummaryDto } from './dto/container-summary.dto.js';
import { toEngineCreate, toEngineListQuery } from './engine-spec.js';
import { pinJoins, pinNetworks } from './policy-request.js';
import { VIEWER_PS_ARGS_HELP, psArgsAllowedForViewers } from './ps-args.js';

export const POLICY_EXCEPTION_ACTION = 'container.create.policy-exception';
export const START_POLICY_EXCEPTION_ACTION = 'container.start.policy-exception';

/** A log snapshot on its way out: LogLine objects, read from the engine as the client takes them. */
export interface LogSnapshot {
  containerName: string;
  lines: Readable;
}

/** The list's page order (fleet lists make per-host cursors with it). */
export const CONTAINER_ORDER = { key: (c: ContainerSummaryDto) => [c.createdAt, c.id], parts: 2, descending: true };

/** Lists whose last answer is kept: a few, since a 1 000-container answer is ~1 MB. */
const LAST_LISTS_KEPT = 8;
/** Pages kept per answer (the first page, and a few more for clients that page through it). */
const PAGES_KEPT = 8;

/**
 * One engine answer to `docker ps`: its views, and the pages asked of it so far. Shared read-only by every
 * request it answers (coalesced, or later with the engine answering the same bytes), so its pages are sent as
 * reused answers: serialised once.
 */
class ContainerList {
  readonly views: ContainerSummaryDto[];
  private readonly pages = new Map<string, Page<ContainerSummaryDto>>();

  constructor(readonly json: Buffer) {
    this.views = (JSON.parse(json.toString('utf8')) as EngineContainerSummary[]).map(toSummary);
  }

  page(request: PageRequest): Page<ContainerSummaryDto> {
    const key = `${request.limit ?? ''} ${request.cursor ?? ''}`;
    let page = this.pages.get(key);
    if (!page) {
      page = reusedAnswer(pageOf(this.views, request, CONTAINER_ORDER));
      if (this.pages.size >= PAGES_KEPT) this.pages.delete(this.pages.keys().next().value!);
      this.pages.set(key, page);
    }
    return page;
  }
}

/**
 * What a list query asks of the engine, made once per query object: the direct route hands every request with the
 * same query string the same validated (frozen) query, and the engine's query (the same object each time) lets the
 * engine port keep the request path it makes of it too.
 */
const engineLists = new WeakMap<ContainerListQueryDto, { engineQuery: ContainerListQuery; json: string }>();
function engineListOf(query: ContainerListQueryDto): { engineQuery: ContainerListQuery; json: string } {
  let made = engineLists.get(query);
  if (!made) {
    const engineQuery = toEngineListQuery(query);
    made = { engineQuery, json: JSON.stringify(engineQuery) };
    if (Object.isFrozen(query)) {
      Object.values(engineQuery.filters ?? {}).forEach((values) => Object.freeze(values));
      Object.freeze(engineQuery.filters);
      Object.freeze(engineQuery);
      engineLists.set(query, made);
    }
  }
  return made;
}

const KILL_SIGNALS = new Set(['KILL', 'SIGKILL', '9']);

/** Containers of a host, as `docker run`, `ps`, `logs`, `exec` and friends know them. */
@Injectable()
export class ContainersService {
  private readonly lists = new ReadCoalescer<ContainerList>();
  /** Per list (the coalescing key), the engine's last answer, the latest parsed last. */
  private readonly lastLists = new Map<string, ContainerList>();

  constructor(
    private readonly hosts: DockerHosts,
    private readonly config: AppConfig,
    private readonly audit: AuditLog,
    private readonly registryAuth: RegistryAuthProvider,
    private readonly policy: ContainerPolicy,
    private readonly authenticator: Authenticator,
  ) {}

  /** `docker ps`, newest first, paged; concurrent identical lists share one engine call that started after each arrived. */
  async list(hostId: string, query: ContainerListQueryDto): Promise<Page<ContainerSummaryDto>> {
    const engine = this.hosts.get(hostId);
    const { engineQuery, json } = engineListOf(query);
    const key = `${hostId}\n${json}`;
    const list = await this.lists.run(key, async () => this.parsed(key, await engine.listContainersJson(engineQuery)));
    return list.page(query);
  }

  /** An engine answer parsed once: one byte for byte the same as the last one for this list is that one, views and pages made. */
  private parsed(key: string, json: Buffer): ContainerList {
    const last = this.lastLists.get(key);
    if (last?.json.equals(json)) return last;
    const list = new ContainerList(json);
    this.lastLists.delete(key);
    this.lastLists.set(key, list);
    if (this.lastLists.size > LAST_LISTS_KEPT) this.lastLists.delete(this.lastLists.keys().next().value!);
    return list;
  }

  /** `docker create` / `docker run -d`, after validation and the create policy. */
  async create(hostId: string, dto: ContainerCreateDto, principal: Principal | undefined): Promise<ContainerCreatedDto> {
    const engine = this.hosts.get(hostId);
    const problems = createRequestProblems(dto);
    if (problems.length) throw validationFailed(problems);

    const decision = await this.policy.decideCreate(engine, dto, principal?.role);
    if (decision.outcome === 'deny')
      throw policyDenied(decision.violations, 'The create policy denies this container; only an admin may create it');

    const exception: PolicyException | undefined =
      decision.outcome === 'exception'
        ? {
            action: POLICY_EXCEPTION_ACTION,
            actor: principal,
            violations: decision.violations,
            details: { host: hostId, image: dto.image, name: dto.name },
          }
        : undefined;
    return withExceptionAudit(
      this.audit,
      exception,
      async () => {
        const pinned = pinNetworks(pinJoins(dto, decision.joined), decision);
        const created = await this.createWithPull(engine, pinned, principal);
        await this.connectOrUndo(engine, created.id, pinned.networks?.slice(1) ?? []);
        const name = dto.name?.replace(/^\//, '') ?? (await engine.inspectContainer(created.id)).Name.replace(/^\//, '');
        if (dto.start) await this.startOrUndo(engine, created.id, principal);
        return { id: created.id, name, warnings: created.warnings, started: dto.start ?? false };
      },
      (created) => created.id,
    );
  }

  /** `pull: missing` tries the create first, as `docker run` does, and pulls only when the engine lacks the image. */
  private async createWithPull(
    engine: Engine,
    dto: ContainerCreateDto,
    principal: Principal | undefined,
  ): Promise<{ id: string; warnings: string[] }> {
    const spec = toEngineCreate(dto);
    const name = dto.name;
    const pullable = !dto.image.startsWith('sha256:');
    if (dto.pull === 'always' && pullable) await this.pull(engine, dto.image, principal);
    try {
      return await engine.createContainer(name, spec);
    } catch (error) {
      if ((dto.pull ?? 'missing') !== 'missing' || !pullable || !isProblem(error, 'IMAGE_NOT_FOUND')) throw error;
    }
    await this.pull(engine, dto.image, principal);
    return engine.createContainer(name, spec);
  }

  /**
   * A pull moves the tag: over one a policy exception runs, only an admin may (as for commit). It may take minutes:
   * a revocation meanwhile stops the create before the container is made.
   */
  private async pull(engine: Engine, image: string, principal: Principal | undefined): Promise<void> {
    const ref = withDefaultTag(image);
    await this.policy.authorizeTagReplacement(engine, ref, principal);
    await engine.pullImage(ref, await this.registryAuth.authFor(ref));
    this.authenticator.assertCurrent(principal);
  }

  /** `networks` past the first (engine 1.41 takes one endpoint at create), connected before any start; a failure leaves nothing behind. */
  private async connectOrUndo(engine: Engine, id: string, networks: Array<{ name: string; aliases?: string[] }>): Promise<void> {
    try {
      for (const network of networks)
        await engine.connectNetwork(network.name, { Container: id, EndpointConfig: { Aliases: network.aliases ?? [] } });
    } catch (error) {
      await engine.removeContainer(id, { force: true, volumes: true }).catch(() => undefined);
      throw error;
    }
  }

  /** A create that cannot start leaves nothing behind: the answer is an error, so no container either. */
  private async startOrUndo(engine: Engine, id: string, principal: Principal | undefined): Promise<void> {
    try {
      // A pull may have taken minutes since the check: the sources are checked again right before the engine mounts them,
      // and the caller's access.
      const checked = await this.checkStart(engine, id, principal);
      this.authenticator.assertCurrent(principal);
      await engine.startContainer(checked);
    } catch (error) {
      await engine.removeContainer(id, { force: true, volumes: true }).catch(() => undefined);
      throw error;
    }
  }

  /**
   * Viewers get env values redacted (normalised view and `raw`) unless BERTH_VIEWER_REDACTION=false; so does everyone but
   * an admin for Berth's own container, whose environment may hold Berth's secrets (BERTH_JWT_SECRET).
   */
  async inspect(hostId: string, id: string, principal: Principal | undefined): Promise<ContainerInspectDto> {
    const engine = this.hosts.get(hostId);
    const view = toInspect(await engine.inspectContainer(id));
    const redact =
      redactsFor(this.config.viewerRedaction, principal?.role) ||
      (principal?.role !== 'admin' && (await this.policy.isBerth(engine, view.id)));
    return redact ? redactInspect(view) : view;
  }

  async start(hostId: string, id: string, principal: Principal | undefined): Promise<void> {
    const engine = this.hosts.get(hostId);
    return engine.startContainer(await this.checkStart(engine, id, principal));
  }

  async stop(hostId: string, id: string, principal: Principal | undefined, timeoutSeconds?: number): Promise<void> {
    const engine = this.hosts.get(hostId);
    return engine.stopContainer(await this.notBerth(engine, id, principal, 'stop'), timeoutSeconds);
  }

  /**
   * Berth's own container is an admin's to stop, kill, pause, rename or remove (any of these takes Berth down, and nothing
   * in Berth can start it again), and to read its processes' environments. Answers the id to act on (the container
   * judged), or `id` as it is where Berth does not run in a container of this engine (no inspect then).
   */
  private async notBerth(engine: Engine, id: string, principal: Principal | undefined, action: string): Promise<string> {
    if (principal?.role === 'admin' || !(await this.policy.berthRunsOn(engine))) return id;
    const { Id } = await engine.inspectContainer(id);
    if (await this.policy.isBerth(engine, Id)) {
      throw policyDenied(
        [{ rule: 'berth-container', detail: "it is Berth's own container" }],
        `Only an admin may ${action} Berth's own container`,
      );
    }
    return Id;
  }

  async restart(hostId: string, id: string, principal: Principal | undefined, timeoutSeconds?: number): Promise<void> {
    const engine = this.hosts.get(hostId);
    const checked = await this.checkStart(engine, id, principal);
    if (this.config.allowedBindRoots.length === 0) return engine.restartContainer(checked, timeoutSeconds);
    // The stop runs the container's own SIGTERM handler, which can plant a symlink under a bind source: the engine's
    // restart would then mount it. So stop, check again, start.
    await engine.stopContainer(checked, timeoutSeconds);
    return engine.startContainer(await this.checkStart(engine, checked, principal));
  }

  /**
   * The engine follows a bind source's symlinks at every start, so its sources under the allowed roots are checked
   * again before each start Berth performs; starts Berth does not perform are BindWatcher's. Answers the id to start:
   * the container checked, whatever is renamed meanwhile.
   */
  private async checkStart(engine: Engine, id: string, principal: Principal | undefined): Promise<string> {
    const { inspect, violations } = await this.policy.startViolations(engine, id, principal?.role !== 'admin');
    if (!inspect) return id;
    if (violations.length === 0) return inspect.Id;
    if (principal?.role !== 'admin')
      throw policyDenied(violations, 'The create policy denies starting this container; only an admin may start it');
    await this.audit.record({
      action: START_POLICY_EXCEPTION_ACTION,
      actor: principal,
      targets: [inspect.Id],
      status: 204,
      details: { host: engine.host.id, rules: violations.map((v) => v.rule), violations },
    });
    return inspect.Id;
  }

  /** `docker kill`. KILL (the default) on a container that does not run is already done; another signal has nobody to reach. */
  async kill(hostId: string, id: string, principal: Principal | undefined, signal?: string): Promise<void> {
    const engine = this.hosts.get(hostId);
    // A signal the exception does not die of, or one it dies of under a restart policy, runs its command again.
    const target = await this.notException(engine, id, principal, 'signal');
    try {
      await engine.killContainer(target, signal);
    } catch (error) {
      const alreadyDead = isProblem(error, 'CONTAINER_NOT_RUNNING') && KILL_SIGNALS.has((signal ?? 'KILL').toUpperCase());
      if (!alreadyDead) throw error;
    }
  }

  async pause(hostId: string, id: string, principal: Principal | undefined): Promise<void> {
    const engine = this.hosts.get(hostId);
    return alreadyTrue(engine.pauseContainer(await this.notBerth(engine, id, principal, 'pause')), 'CONTAINER_PAUSED');
  }

  async unpause(hostId: string, id: string, principal: Principal | undefined): Promise<void> {
    const engine = this.hosts.get(hostId);
    // An admin's exception paused runs on once unpaused, as if started.
    return alreadyTrue(engine.unpauseContainer(await this.notException(engine, id, principal, 'unpause')), 'CONTAINER_NOT_PAUSED');
  }

  /** For a non-admin, 403 POLICY_DENIED when the container is a policy exception (Berth's own included); answers the id judged. */
  private async notException(engine: Engine, id: string, principal: Principal | undefined, action: string): Promise<string> {
    if (principal?.role === 'admin') return id;
    const { inspect, violations } = await this.policy.startViolations(engine, id, true);
    if (violations.length > 0) throw policyDenied(violations, `Only an admin may ${action} this container, a policy exception`);
    return inspect?.Id ?? id;
  }

  async rename(hostId: string, id: string, name: string, principal: Principal | undefined): Promise<void> {
    const engine = this.hosts.get(hostId);
    const target = await this.notBerth(engine, id, principal, 'rename');
    return alreadyTrue(engine.renameContainer(target, name.replace(/^\//, '')), 'NAME_UNCHANGED');
  }

  async remove(
    hostId: string,
    id: string,
    options: { force?: boolean; volumes?: boolean },
    principal: Principal | undefined,
  ): Promise<void> {
    const engine = this.hosts.get(hostId);
    const target = await this.notBerth(engine, id, principal, 'remove');
    return engine.removeContainer(target, { force: options.force ?? false, volumes: options.volumes ?? false });
  }

  /** `ps` options that can show process environments are refused to viewers (403), before the engine runs them. */
  async top(hostId: string, id: string, psArgs: string | undefined, principal: Principal | undefined): Promise<ContainerTopDto> {
    const engine = this.hosts.get(hostId);
    if (psArgs !== undefined && !psArgsAllowedForViewers(psArgs) && !redactsFor(this.config.viewerRedaction, principal?.role)) {
      // Berth's own processes' environments may hold its secrets.
      id = await this.notBerth(engine, id, principal, 'read the process environments of');
    }
    if (psArgs !== undefined && redactsFor(this.config.viewerRedaction, principal?.role) && !psArgsAllowedForViewers(psArgs)) {
      throw new ProblemException(
        403,
        'FORBIDDEN',
        `These ps options need the role 'operator' (they may show process environments); viewers may use ${VIEWER_PS_ARGS_HELP}.`,
      );
    }
    return toTop(await engine.containerTop(id, psArgs));
  }

  async stats(hostId: string, id: string): Promise<ContainerStatsDto> {
    return toStats(await this.hosts.get(hostId).containerStats(id));
  }

  async logs(hostId: string, id: string, query: LogsQueryDto): Promise<LogSnapshot> {
    const engine = this.hosts.get(hostId);
    const target = await engine.streamTarget(id);
    const lines = await engine.openLogLines(target, snapshotLogOptions(query));
    return { containerName: target.name, lines };
  }

  /** A one-shot exec; into a container the create policy would deny, only for admins. */
  async exec(hostId: string, id: string, dto: ExecDto, principal: Principal | undefined): Promise<ExecResultDto> {
    const engine = this.hosts.get(hostId);
    const container = await this.policy.authorizeEntry(engine, id, principal, 'exec');
    // Engine calls since the request was checked: a revocation meanwhile stops it before the command runs.
    this.authenticator.assertCurrent(principal);
    // A revocation while it runs (up to 10 minutes) kills it, and its output is not handed out.
    const ended = new AbortController();
    const unwatch = this.authenticator.watch(principal, () => ended.abort());
    try {
      const result = await engine.execOnce(
        container.Id,
        { cmd: dto.cmd, env: dto.env, workingDir: dto.workingDir, user: dto.user },
        { maxBytes: this.config.execMaxOutputBytes, timeoutMs: dto.timeoutMs ?? 30_000, signal: ended.signal },
      );
      this.authenticator.assertCurrent(principal);
      return result;
    } finally {
      unwatch();
    }
  }

  /**
   * `docker commit`. A policy-exception container, or a tag a policy exception runs, is an admin's to
   * commit from or over. The image keeps the container's env: the answer names those keys, never the values.
   */
  async commit(hostId: string, id: string, dto: ContainerCommitDto, principal: Principal | undefined): Promise<CommittedImageDto> {
    const engine = this.hosts.get(hostId);
    const tag = dto.tag ?? 'latest';
    const image = `${dto.repo}:${tag}`;
    const source = await this.policy.authorizeEntry(engine, id, principal, 'commit');
    await this.policy.authorizeTagReplacement(engine, image, principal);
    const committed = await engine.commitContainer(source.Id, { ...dto, tag });
    return { id: committed.id, image, carriedEnvKeys: envKeys(source.Config.Env) };
  }
}

/** `KEY=value` entries → their keys, once each. */
function envKeys(env: string[] | null | undefined): string[] {
  return [...new Set((env ?? []).map((entry) => (entry.includes('=') ? entry.slice(0, entry.indexOf('=')) : entry)))];
}

/** The engine's "already so" errors for a state change are the state the caller asked for. */
async function alreadyTrue(request: Promise<void>, code: ProblemCode): Promise<void> {
  try {
    await request;
  } catch (error) {
    if (!isProblem(error, code)) throw error;
  }
}
