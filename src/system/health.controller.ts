import { Controller, Get, Header } from '@nestjs/common';
import { ApiProduces, ApiTags } from '@nestjs/swagger';
import { Public, RequireRole } from '../common/access.decorators.js';
import { Metrics } from '../common/metrics.js';
import { ApiProblems } from '../common/openapi.js';
import { HealthDto, ReadinessDto } from './dto/readiness.dto.js';
import { SystemService } from './system.service.js';

@ApiTags('system')
@Controller()
export class HealthController {
  constructor(
    private readonly system: SystemService,
    private readonly metrics: Metrics,
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
  async getMetrics(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
