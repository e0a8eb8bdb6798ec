import { Controller, Get, Header } from '@nestjs/common';
import { ApiProduces, ApiTags } from '@nestjs/swagger';
import { HostAccess } from '../auth/host-access.js';
import { Public, RequireRole } from '../common/access.decorators.js';
import { Metrics, withVisibleHosts } from '../common/metrics.js';
import { ApiProblems } from '../common/openapi.js';
import { CurrentPrincipal, Principal } from '../common/principal.js';
import { DockerHosts } from '../docker/docker-hosts.js';
import { HealthDto, ReadinessDto } from './dto/readiness.dto.js';
import { SystemService } from './system.service.js';

@ApiTags('system')
@Controller()
export class HealthController {
  constructor(
    private readonly system: SystemService,
    private readonly metrics: Metrics,
    private readonly hosts: DockerHosts,
    private readonly hostAccess: HostAccess,
  ) {}

  /** The process is alive. */
  @Get('healthz')
  @Public()
  getHealth(): HealthDto {
    return { status: 'ok' };
  }

  /** Ready to serve: the database and every host's engine answer; 503 with the reason otherwise. */
  @Get('readyz')
  @Public()
  @ApiProblems({ 503: ['ENGINE_UNAVAILABLE', 'DATABASE_UNAVAILABLE'] })
  getReadiness(): Promise<ReadinessDto> {
    return this.system.readiness();
  }

  /** Prometheus metrics, in the text exposition format. */
  @Get('metrics')
  @RequireRole('viewer')
  @ApiProduces('text/plain')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  async getMetrics(@CurrentPrincipal() principal: Principal): Promise<string> {
    const text = await this.metrics.registry.metrics();
    if (this.hostAccess.seesEveryHost(principal)) return text;
    // Engine calls are counted by host id: only the hosts the caller may see (a removed host by its id alone).
    const known = new Map(this.hosts.list().map((engine) => [engine.host.id, engine.host]));
    return withVisibleHosts(text, (id) => this.hostAccess.roleOn(principal, known.get(id) ?? { id }) !== undefined);
  }
}
