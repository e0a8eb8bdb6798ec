import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AuditLog } from '../audit/audit-log.js';
import { Authenticator } from '../auth/authenticator.js';
import { roleAllows } from '../common/access.decorators.js';
import type { Principal } from '../common/principal.js';
import { ProblemException } from '../common/problem.js';
import { validationFailed } from '../common/validation.js';
import { BerthContainer } from '../containers/berth-container.js';
import { DockerHosts } from '../docker/docker-hosts.js';
import type { Engine } from '../docker/engine.js';
import { JobRunner, type JobPlace, JobView } from '../jobs/job-types.js';
import type { PruneExecuteDto, PruneOptionsDto } from './dto/prune-options.dto.js';
import type { PrunePlanDto, PruneReportDto } from './dto/prune-plan.dto.js';
import { PruneItemResult, executePrune, reportTotals } from './prune-executor.js';
import { parseLabelFilter, parseUntil } from './prune-filters.js';
import { DEFAULT_PRUNE_OPTIONS, PruneItem, PruneOptions, PruneSnapshot, planPrune, planTotals } from './prune-planner.js';
import { PrunePlans } from './prune-plans.js';

export const PRUNE_AUDIT_ACTION = 'prune.execute';
const OPTION_FIELDS = ['containers', 'images', 'networks', 'volumes', 'buildCache', 'until', 'labels'] as const;

/** Why the caller may not execute: a plan that removes volumes (user data) is an admin's. */
export class PruneDenied extends ProblemException {
  constructor(readonly why: string) {
    super(403, 'FORBIDDEN', why);
  }
}

/**
 * Prune as a plan, then an execution of exactly that plan (the engine has no dry run). Plans are
 * viewer-level; executing is a job (kind `prune`), one at a time per host, audited with every item.
 */
@Injectable()
export class PruneService {
  private readonly logger = new Logger('Prune');
  /** The execution running (or last queued) per host: the next waits for it. */
  private readonly running = new Map<string, Promise<unknown>>();

  constructor(
    private readonly hosts: DockerHosts,
    private readonly plans: PrunePlans,
    private readonly jobs: JobRunner,
    private readonly audit: AuditLog,
    private readonly berth: BerthContainer,
    private readonly authenticator: Authenticator,
  ) {}

  async plan(host: string, dto: PruneOptionsDto, principal: Principal | undefined): Promise<PrunePlanDto> {
    const options = toOptions(dto);
    const items = await this.planItems(this.hosts.get(host), options);
    const plan = this.plans.save(host, ownerOf(principal), options, items);
    return { planId: plan.id, expiresAt: new Date(plan.expiresAt).toISOString(), items, totals: planTotals(items) };
  }

  /** Executes a stored plan (`planId`), or plans `dto`'s options and executes them in one call. */
  async execute(host: string, dto: PruneExecuteDto, principal: Principal | undefined): Promise<JobView> {
    const engine = this.hosts.get(host);
    // Held before the plan is used up: a plan spent on a refusal (429) could not be sent again.
    const place = this.jobs.reserve(host, principal);
    try {
      return await this.executeWithin(engine, host, dto, principal, place);
    } finally {
      place.release();
    }
  }

  private async executeWithin(
    engine: Engine,
    host: string,
    dto: PruneExecuteDto,
    principal: Principal | undefined,
    place: JobPlace,
  ): Promise<JobView> {
    let planId: string;
    let options: PruneOptions;
    let items: PruneItem[];
    if (dto.planId !== undefined) {
      const extra = OPTION_FIELDS.filter((field) => dto[field] !== undefined && dto[field] !== null);
      if (extra.length > 0)
        throw validationFailed(
          extra.map((field) => ({ field, message: `${field} belongs to the plan: send planId alone, or options alone` })),
        );
      // Checked before the plan is used up: a revoked caller's "send it again" must find it unused.
      this.authenticator.assertCurrent(principal);
      const plan = this.plans.claim(dto.planId, host, ownerOf(principal), (p) =>
        requireVolumeRole(
          principal,
          p.items.some((item) => item.kind === 'volume'),
        ),
      );
      ({ id: planId, options, items } = plan);
    } else {
      // An empty (or unreadable) body is no order to delete: the defaults are asked for by name, e.g. `{"containers": true}`.
      if (OPTION_FIELDS.every((field) => dto[field] === undefined || dto[field] === null))
        throw validationFailed([
          { field: 'planId', message: 'send planId, or at least one option (e.g. {"containers": true} for the defaults)' },
        ]);
      options = toOptions(dto);
      // Checked before anything is read: asking for volumes is asking to delete user data.
      requireVolumeRole(principal, options.volumes !== 'none');
      planId = randomUUID();
      items = await this.planItems(engine, options);
    }
    return this.jobs.start<PruneReportDto>(
      {
        kind: 'prune',
        host,
        target: planId,
        run: async (context) => {
          const total = items.reduce((sum, item) => sum + item.sizeBytes, 0);
          let reclaimed = 0;
          const results = await this.oneAtATime(host, () => {
            context.output(`executing plan ${planId}: ${items.length} item(s)`);
            return executePrune(engine, items, {
              danglingImagesOnly: options.images === 'dangling',
              signal: context.signal,
              onItem: (result, done) => {
                reclaimed += result.reclaimedBytes;
                context.output(itemLine(result));
                context.progress({
                  percent: Math.floor((done * 100) / items.length),
                  currentBytes: reclaimed,
                  totalBytes: total,
                  layers: [],
                });
              },
            });
          });
          const report: PruneReportDto = { planId, host, items: results, totals: reportTotals(results) };
          await this.recordExecution(report, principal);
          return report;
        },
      },
      principal,
      place,
    );
  }

  /** Reads what the plan needs at once (one `/system/df`), then plans. */
  private async planItems(engine: Engine, options: PruneOptions): Promise<PruneItem[]> {
    const [containers, images, networks, volumes, diskUsage, version, berth] = await Promise.all([
      engine.listContainers({ all: true }),
      options.images !== 'none' ? engine.listImages({}) : [],
      options.networks ? engine.listNetworks() : [],
      options.volumes !== 'none' ? engine.listVolumes() : [],
      engine.diskUsage(),
      engine.version(),
      this.berth.on(engine),
    ]);
    const snapshot: PruneSnapshot = {
      containers,
      images,
      networks,
      volumes,
      diskUsage,
      apiVersion: version.ApiVersion,
      berthImage: berth.image,
    };
    return planPrune(snapshot, options);
  }

  /** Executions on one host run one after another: two at once would race for the same items (and the engine refuses concurrent prunes). */
  private async oneAtATime<T>(host: string, work: () => Promise<T>): Promise<T> {
    const before = this.running.get(host) ?? Promise.resolve();
    const mine = before.catch(() => undefined).then(work);
    this.running.set(host, mine);
    try {
      return await mine;
    } finally {
      if (this.running.get(host) === mine) this.running.delete(host);
    }
  }

  /** The audit record of an execution: every item removed, and those skipped or failed with why. */
  private async recordExecution(report: PruneReportDto, principal: Principal | undefined): Promise<void> {
    const brief = (r: PruneItemResult) => ({ kind: r.kind, id: r.id, name: r.name, ...(r.detail && { detail: r.detail }) });
    const removed = report.items.filter((r) => r.status === 'removed');
    await this.audit
      .record({
        action: PRUNE_AUDIT_ACTION,
        actor: principal,
        targets: removed.map((r) => r.id),
        status: report.totals.failed > 0 ? 207 : 200,
        details: {
          host: report.host,
          planId: report.planId,
          reclaimedBytes: report.totals.reclaimedBytes,
          removed: removed.map((r) => ({ kind: r.kind, id: r.id, name: r.name, reclaimedBytes: r.reclaimedBytes })),
          skipped: report.items.filter((r) => r.status === 'skipped').map(brief),
          failed: report.items.filter((r) => r.status === 'failed').map(brief),
        },
      })
      .catch((error: Error) => this.logger.error(`prune audit record failed: ${error.message}`));
  }
}

function ownerOf(principal: Principal | undefined): string {
  return principal?.userId ?? '';
}

function requireVolumeRole(principal: Principal | undefined, hasVolumes: boolean): void {
  if (hasVolumes && !roleAllows(principal?.role ?? 'viewer', 'admin'))
    throw new PruneDenied('A prune that removes volumes (user data) needs the admin role.');
}

/** The validated options with `docker system prune`'s defaults. */
export function toOptions(dto: PruneOptionsDto): PruneOptions {
  return {
    containers: dto.containers ?? DEFAULT_PRUNE_OPTIONS.containers,
    images: dto.images ?? DEFAULT_PRUNE_OPTIONS.images,
    networks: dto.networks ?? DEFAULT_PRUNE_OPTIONS.networks,
    volumes: dto.volumes ?? DEFAULT_PRUNE_OPTIONS.volumes,
    buildCache: dto.buildCache ?? DEFAULT_PRUNE_OPTIONS.buildCache,
    until: dto.until === undefined ? undefined : parseUntil(dto.until),
    labels: (dto.labels ?? []).map((text) => parseLabelFilter(text)!),
  };
}

function itemLine(result: PruneItemResult): string {
  const what = `${result.kind} ${result.name}`;
  if (result.status === 'removed') return `removed ${what} (${result.reclaimedBytes} bytes)`;
  return `${result.status} ${what}: ${result.detail ?? ''}`;
}
