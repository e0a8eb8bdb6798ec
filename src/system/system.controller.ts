import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../common/access.decorators.js';
import { ApiHostRoute } from '../common/openapi.js';
import { DiskUsageDto, DiskUsageQueryDto } from './dto/disk-usage.dto.js';
import { EngineInfoDto, EngineVersionDto } from './dto/engine-info.dto.js';
import { SystemService } from './system.service.js';

@ApiTags('hosts')
@Controller('api/v1/hosts')
export class SystemController {
  constructor(private readonly system: SystemService) {}

  /** `docker info` of a host. */
  @Get(':host/info')
  @RequireRole('viewer')
  @ApiHostRoute()
  getHostInfo(@Param('host') host: string): Promise<EngineInfoDto> {
    return this.system.info(host);
  }

  /** `docker version` of a host's engine. */
  @Get(':host/version')
  @RequireRole('viewer')
  @ApiHostRoute()
  getHostVersion(@Param('host') host: string): Promise<EngineVersionDto> {
    return this.system.version(host);
  }

  /** `docker system df`: space used by images, containers, volumes and build cache, with each kind's `top` largest items. */
  @Get(':host/disk-usage')
  @RequireRole('viewer')
  @ApiHostRoute()
  getDiskUsage(@Param('host') host: string, @Query() query: DiskUsageQueryDto): Promise<DiskUsageDto> {
    return this.system.diskUsage(host, query.top);
  }
}
