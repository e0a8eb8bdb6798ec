import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { AuditLog } from '../audit/audit-log.js';
import { AppConfig } from '../config/app-config.js';
import { DockerHosts } from '../docker/docker-hosts.js';
import type { Engine } from '../docker/engine.js';
import type { EngineEvent } from '../docker/engine-types.js';
import { bindSourceViolations } from './mount-rules.js';
import { MountFacts, containerBindSources } from './mount-facts.js';

export const START_POLICY_VIOLATION_ACTION = 'container.start.policy-violation';

const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 30_000;

/**
 * Starts Berth does not perform (restart policies, an engine restart, the CLI) mount bind sources too, following
 * symlinks: on each engine `start` this re-checks a container whose binds all lie under the allowed roots (one a
 * non-admin could have made; an admin's exceptions elsewhere are left alone) and stops and audits a violating one.
 */
@Injectable()
export class BindWatcher implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(BindWatcher.name);
  private readonly streams = new Set<Readable>();
  private closed = false;

  constructor(
    private readonly hosts: DockerHosts,
    private readonly config: AppConfig,
    private readonly facts: MountFacts,
    private readonly audit: AuditLog,
  ) {}

  onApplicationBootstrap(): void {
    // Without allowed roots no non-admin has a bind to swap.
    if (this.config.allowedBindRoots.length === 0) return;
    for (const engine of this.hosts.list()) void this.watch(engine);
  }

  onModuleDestroy(): void {
    this.closed = true;
    for (const stream of this.streams) stream.destroy();
  }

  /** Follows the engine's start events for as long as Berth runs, reconnecting after an engine outage. */
  private async watch(engine: Engine): Promise<void> {
    let retryMs = RETRY_MIN_MS;
    while (!this.closed) {
      try {
        const events = await engine.openEvents({ type: ['container'], event: ['start'] });
        this.streams.add(events);
        // Starts while the stream was down (an engine restart with restart policies) are found by a sweep once it is up.
        await this.sweep(engine);
        retryMs = RETRY_MIN_MS;
        for await (const event of events as AsyncIterable<EngineEvent>) await this.recheck(engine, event.Actor.ID);
        this.streams.delete(events);
      } catch (error) {
        if (!this.closed) this.logger.warn(`host ${engine.host.id}: engine events unavailable (${(error as Error).message}); retrying`);
      }
      if (this.closed) return;
      await sleep(retryMs, undefined, { ref: false });
      retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
    }
  }

  private async sweep(engine: Engine): Promise<void> {
    const running = await engine.listContainers({ filters: { status: ['running'] } });
    for (const container of running) {
      if ((container.Mounts ?? []).some((mount) => mount.Type === 'bind')) await this.recheck(engine, container.Id);
    }
  }

  /** Stops a running container whose bind sources under the allowed roots now go through a symlink or are gone. */
  async recheck(engine: Engine, id: string): Promise<void> {
    try {
      const inspect = await engine.inspectContainer(id);
      if (!inspect.State.Running) return;
      const sources = containerBindSources(inspect);
      if (sources.length === 0 || !this.facts.underAllowedRoots(sources)) return;
      // Unverifiable (Berth cannot see the host) is no finding: such binds were refused to non-admins at create.
      const checks = (await this.facts.checkBindSources(engine, sources)).filter(
        (check) => check.state === 'symlink' || check.state === 'missing',
      );
      if (checks.length === 0) return;
      const violations = checks.flatMap(bindSourceViolations);
      await engine.stopContainer(inspect.Id, 0);
      this.logger.warn(
        `host ${engine.host.id}: stopped container ${inspect.Id}, a bind source changed (${violations.map((v) => v.rule).join(', ')})`,
      );
      await this.audit.record({
        action: START_POLICY_VIOLATION_ACTION,
        targets: [inspect.Id],
        status: 403,
        details: {
          host: engine.host.id,
          name: inspect.Name.replace(/^\//, ''),
          stopped: true,
          rules: violations.map((v) => v.rule),
          violations,
        },
      });
    } catch (error) {
      this.logger.warn(`host ${engine.host.id}: could not re-check started container ${id} (${(error as Error).message})`);
    }
  }
}
