import { Injectable } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { AuditLog } from '../audit/audit-log.js';
import { Authenticator } from '../auth/authenticator.js';
import { snapshotLogOptions } from '../common/log-time.js';
import { type Page, pageOf } from '../common/pagination.js';
import type { Principal } from '../common/principal.js';
import { ProblemException, isProblem } from '../common/problem.js';
import { redactsFor } from '../common/redaction.js';
import { validationFailed } from '../common/validation.js';
import { AppConfig } from '../config/app-config.js';
import { ContainerPolicy, policyDenied } from '../containers/container-policy.js';
import { decideCreatePolicy, type CreatePolicyRequest, type PolicyDecision } from '../containers/create-policy.js';
import type { LogSnapshot } from '../containers/containers.service.js';
import { mountProblems } from '../containers/dto/container-create.dto.js';
import { PolicyException, withExceptionAudit } from '../containers/policy-exception-audit.js';
import { DockerHosts } from '../docker/docker-hosts.js';
import type { Engine } from '../docker/engine.js';
import type { EngineService, EngineServiceSpec } from '../docker/engine-services.js';
import { RegistryAuthProvider } from '../docker/registry-auth.js';
import { JobRunner, type JobContext, type JobView } from '../jobs/job-types.js';
import type { ServiceCreateDto, ServiceUpdateDto } from './dto/service-create.dto.js';
import type {
  ServiceCreatedDto,
  ServiceInspectDto,
  ServiceListQueryDto,
  ServiceLogsQueryDto,
  ServiceRolloutResultDto,
  ServiceSummaryDto,
} from './dto/service.dto.js';
import { type RolloutKind, rolloutState, taskFailures } from './service-rollout.js';
import { pinServiceNetworks, servicePolicyRequest, toServiceSpec, withChanges, withMountVolumeOptions } from './service-spec.js';
import { toServiceInspect, toServiceSummary } from './service-views.js';

export const SERVICE_POLICY_EXCEPTION_ACTION = 'service.create.policy-exception';
export const SERVICE_UPDATE_POLICY_EXCEPTION_ACTION = 'service.update.policy-exception';

/** How often a rollout is looked at, and how long it may take before its job gives up (the service stays as it is). */
export const ROLLOUT_POLL_MS = 500;
export const ROLLOUT_TIMEOUT_MS = 15 * 60_000;

const SERVICE_ORDER = { key: (s: ServiceSummaryDto) => [s.name, s.id], parts: 2 };

/** Capabilities in a service spec need Docker API 1.41 (CapabilityAdd, CapabilityDrop). */
const CAPABILITIES_API = [1, 41];

/** Swarm services of a manager host: `docker service create|ls|inspect|update|scale|rollback|rm|logs`. */
@Injectable()
export class SwarmServicesService {
  constructor(
    private readonly hosts: DockerHosts,
    private readonly config: AppConfig,
    private readonly audit: AuditLog,
    private readonly registryAuth: RegistryAuthProvider,
    private readonly policy: ContainerPolicy,
    private readonly jobs: JobRunner,
    private readonly authenticator: Authenticator,
  ) {}

  async list(hostId: string, query: ServiceListQueryDto): Promise<Page<ServiceSummaryDto>> {
    const services = await this.hosts.get(hostId).listServices();
    return pageOf(services.map(toServiceSummary), query, SERVICE_ORDER);
  }

  async inspect(hostId: string, ref: string, principal: Principal | undefined): Promise<ServiceInspectDto> {
    const engine = this.hosts.get(hostId);
    const service = await engine.inspectService(ref);
    const tasks = await engine.serviceTasks(service.ID);
    return toServiceInspect(service, tasks, redactsFor(this.config.viewerRedaction, principal?.role));
  }

  /** `docker service create`, after validation and the create policy (an admin's exception is audited). */
  async create(hostId: string, dto: ServiceCreateDto, principal: Principal | undefined): Promise<ServiceCreatedDto> {
    const engine = this.hosts.get(hostId);
    const problems = [...mountProblems(dto), ...(dto.mode === 'global' && dto.replicas != null ? [GLOBAL_REPLICAS] : [])];
    if (problems.length) throw validationFailed(problems);
    await this.requireCapabilitiesApi(engine, dto);

    const spec = toServiceSpec(dto);
    const { decision, pinned } = await this.judge(engine, spec, principal);
    const exception = this.exception(SERVICE_POLICY_EXCEPTION_ACTION, decision, principal, {
      host: hostId,
      name: dto.name,
      image: dto.image,
    });
    return withExceptionAudit(
      this.audit,
      exception,
      async () => {
        const created = await engine.createService(pinned, await this.registryAuth.authFor(dto.image));
        return { id: created.id, name: dto.name, warnings: created.warnings };
      },
      (created) => created.id,
    );
  }

  /**
   * `docker service update` (and `scale`): the spec is changed now, against its current version (once more on
   * a version that moved meanwhile), then a job follows the rollout until it converged, or the engine rolled it
   * back or paused it.
   */
  async update(hostId: string, ref: string, dto: ServiceUpdateDto, principal: Principal | undefined): Promise<JobView> {
    const engine = this.hosts.get(hostId);
    const problems = mountProblems(dto);
    if (problems.length) throw validationFailed(problems);
    await this.requireCapabilitiesApi(engine, dto);

    const apply = async (service: EngineService) => {
      if (dto.replicas != null && service.Spec.Mode?.Global) throw validationFailed([GLOBAL_REPLICAS]);
      const { decision, pinned } = await this.judge(engine, withChanges(service.Spec, dto), principal);
      const exception = this.exception(SERVICE_UPDATE_POLICY_EXCEPTION_ACTION, decision, principal, {
        host: hostId,
        service: service.ID,
        name: service.Spec.Name,
      });
      const image = pinned.TaskTemplate.ContainerSpec.Image;
      await withExceptionAudit(
        this.audit,
        exception,
        async () => engine.updateService(service.ID, service.Version.Index, pinned, { auth: await this.registryAuth.authFor(image) }),
        () => service.ID,
        200,
      );
    };
    return this.rollout(engine, hostId, ref, 'update', apply, principal);
  }

  /**
   * `docker service rollback`: the engine's own rollback to the previous spec, followed as a job. The previous
   * spec goes through the create policy as an update to it would.
   */
  async rollback(hostId: string, ref: string, principal: Principal | undefined): Promise<JobView> {
    const engine = this.hosts.get(hostId);
    const apply = async (service: EngineService) => {
      if (!service.PreviousSpec) {
        throw new ProblemException(409, 'SERVICE_NO_PREVIOUS_SPEC', `Service ${service.Spec.Name} has no previous spec to roll back to.`);
      }
      const { decision } = await this.judge(engine, service.PreviousSpec, principal);
      const exception = this.exception(SERVICE_UPDATE_POLICY_EXCEPTION_ACTION, decision, principal, {
        host: hostId,
        service: service.ID,
        name: service.Spec.Name,
        rollback: true,
      });
      await withExceptionAudit(
        this.audit,
        exception,
        () => engine.updateService(service.ID, service.Version.Index, service.Spec, { rollback: true }),
        () => service.ID,
        200,
      );
    };
    return this.rollout(engine, hostId, ref, 'rollback', apply, principal);
  }

  async remove(hostId: string, ref: string): Promise<void> {
    const engine = this.hosts.get(hostId);
    const service = await engine.inspectService(ref);
    await engine.removeService(service.ID);
  }

  /** `docker service logs`: every task's log, as a container log snapshot (no `until`: the engine takes none here). */
  async logs(hostId: string, ref: string, query: ServiceLogsQueryDto): Promise<LogSnapshot> {
    const engine = this.hosts.get(hostId);
    const target = await engine.serviceStreamTarget(ref);
    const lines = await engine.openLogLines(target, snapshotLogOptions(query));
    return { containerName: target.name, lines };
  }

  /** Changes the service (`apply`, at the version it read; once more if that version moved), then follows it as a job. */
  private async rollout(
    engine: Engine,
    hostId: string,
    ref: string,
    kind: RolloutKind,
    apply: (service: EngineService) => Promise<void>,
    principal: Principal | undefined,
  ): Promise<JobView> {
    let service = await engine.inspectService(ref);
    const before = service.UpdateStatus?.StartedAt;
    // The tasks there already: their failures are not this rollout's to report.
    const earlierTasks = (await engine.serviceTasks(service.ID)).map((task) => task.ID);
    // Engine calls since the request was checked: a revocation meanwhile stops it before the change.
    this.authenticator.assertCurrent(principal);
    // Held before the change: once the service is changed, a refusal (429) would hide that it was.
    const place = this.jobs.reserve(hostId, principal);
    try {
      try {
        await apply(service);
      } catch (error) {
        if (!isProblem(error, 'SWARM_UPDATE_OUT_OF_SEQUENCE')) throw error;
        service = await engine.inspectService(service.ID);
        await apply(service);
      }
      const name = service.Spec.Name ?? service.ID;
      return await this.jobs.start<ServiceRolloutResultDto>(
        {
          kind: kind === 'update' ? 'service-update' : 'service-rollback',
          host: hostId,
          target: name,
          follows: true,
          run: (context) => this.follow(engine, service.ID, name, kind, before, new Set(earlierTasks), context),
        },
        principal,
        place,
      );
    } finally {
      place.release();
    }
  }

  /**
   * Looks at the service and its up-to-date tasks until the rollout ends; progress is the share of desired tasks running.
   * `reported`: the tasks whose failures are not to be told (those of before the rollout, then those told).
   */
  private async follow(
    engine: Engine,
    id: string,
    name: string,
    kind: RolloutKind,
    before: string | undefined,
    reported: Set<string>,
    context: JobContext,
  ): Promise<ServiceRolloutResultDto> {
    const deadline = Date.now() + ROLLOUT_TIMEOUT_MS;
    let lastLine = '';
    for (;;) {
      // Every task for the failures: a task of a spec the engine rolled back is no longer up to date.
      const [service, upToDate, tasks] = await Promise.all([
        engine.inspectService(id),
        engine.serviceTasks(id, true),
        engine.serviceTasks(id),
      ]);
      const state = rolloutState(kind, service, upToDate, before);
      for (const line of taskFailures(tasks, reported)) context.output(line);
      if (state.line !== lastLine) {
        lastLine = state.line;
        context.output(state.line);
        const percent = state.desired ? Math.min(100, Math.round((100 * state.running) / state.desired)) : null;
        context.progress({ percent, currentBytes: 0, totalBytes: null, layers: [] });
      }
      if (state.failed) throw new ProblemException(409, 'CONFLICT', `Service ${name}: ${state.failed}.`);
      if (state.done) {
        return { service: id, name, runningTasks: state.running, desiredTasks: state.desired, updateState: state.updateState };
      }
      if (Date.now() > deadline) {
        throw new ProblemException(
          409,
          'CONFLICT',
          `Service ${name} did not converge within ${ROLLOUT_TIMEOUT_MS / 60_000} minutes (${state.line}).`,
        );
      }
      await sleep(ROLLOUT_POLL_MS, undefined, { signal: context.signal });
    }
  }

  /**
   * The create policy on a service spec, with what the engine and the host say of its mounts and networks
   * (ContainerPolicy.gatherPolicyInputs) and its volumes' driver configuration; 403 POLICY_DENIED for a
   * non-admin. Answers the spec with the judged networks pinned to their ids.
   */
  private async judge(
    engine: Engine,
    spec: EngineServiceSpec,
    principal: Principal | undefined,
  ): Promise<{ decision: PolicyDecision; pinned: EngineServiceSpec }> {
    const gathered: CreatePolicyRequest = await this.policy.gatherPolicyInputs(engine, servicePolicyRequest(spec));
    const request = { ...gathered, volumes: withMountVolumeOptions(spec, gathered.volumes ?? []) };
    const decision = decideCreatePolicy(request, principal?.role, this.policy.options);
    if (decision.outcome === 'deny') {
      throw policyDenied(decision.violations, 'The create policy denies this service; only an admin may create it or give it this spec');
    }
    return { decision, pinned: pinServiceNetworks(spec, gathered.networks) };
  }

  private exception(
    action: string,
    decision: PolicyDecision,
    principal: Principal | undefined,
    details: Record<string, unknown>,
  ): PolicyException | undefined {
    return decision.outcome === 'exception' ? { action, actor: principal, violations: decision.violations, details } : undefined;
  }

  /** `capAdd` / `capDrop` on an engine older than API 1.41 would be dropped silently: refused instead. */
  private async requireCapabilitiesApi(engine: Engine, dto: Pick<ServiceCreateDto, 'capAdd' | 'capDrop'>): Promise<void> {
    if (!dto.capAdd?.length && !dto.capDrop?.length) return;
    const { ApiVersion } = await engine.version();
    const [major, minor] = ApiVersion.split('.').map(Number);
    if (major > CAPABILITIES_API[0] || (major === CAPABILITIES_API[0] && minor >= CAPABILITIES_API[1])) return;
    throw new ProblemException(
      400,
      'FEATURE_UNSUPPORTED',
      `capAdd and capDrop need Docker API ${CAPABILITIES_API.join('.')}; host '${engine.host.id}' speaks ${ApiVersion}.`,
    );
  }
}

const GLOBAL_REPLICAS = { field: 'replicas', message: 'a global service runs one task per node: it takes no replicas' };
