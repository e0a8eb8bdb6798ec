import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../common/access.decorators.js';
import { ApiHostRoute, ApiProblems } from '../common/openapi.js';
import { CurrentPrincipal, Principal } from '../common/principal.js';
import { Idempotent } from '../idempotency/idempotent.decorator.js';
import { ConfigDto, ConfigPageDto, SwarmObjectCreateDto, SwarmObjectCreatedDto, SwarmObjectListQueryDto } from './dto/swarm-object.dto.js';
import { SwarmObjectsService } from './swarm-objects.service.js';
import { SwarmRefPipe } from './swarm-ref.pipe.js';

/** `docker config`: create from a value, list, inspect (with the data), remove. Engine API 1.30 or later. */
@ApiTags('swarm')
@ApiHostRoute()
@ApiProblems({ 409: ['SWARM_NOT_ACTIVE', 'NOT_A_SWARM_MANAGER'], 501: ['ENGINE_API_TOO_OLD'] })
@Controller('api/v1/hosts/:host/configs')
export class ConfigsController {
  constructor(private readonly objects: SwarmObjectsService) {}

  /** `docker config ls`, by name; without the data (`data: null`): inspect one to read it. */
  @Get()
  @RequireRole('viewer')
  listConfigs(@Param('host') host: string, @Query() query: SwarmObjectListQueryDto): Promise<ConfigPageDto> {
    return this.objects.listConfigs(host, query);
  }

  /** `docker config create NAME -`: 1 byte to 1000 KB. */
  @Post()
  @Idempotent()
  @RequireRole('operator')
  @ApiCreatedResponse({ type: SwarmObjectCreatedDto })
  @ApiProblems({ 409: ['NAME_CONFLICT'] })
  @ApiBody({
    type: SwarmObjectCreateDto,
    examples: {
      text: {
        summary: 'docker config create nginx-conf nginx.conf',
        value: { name: 'nginx-conf', value: 'server { listen 80; }\n', labels: { app: 'web' } },
      },
    },
  })
  createConfig(@Param('host') host: string, @Body() body: SwarmObjectCreateDto): Promise<SwarmObjectCreatedDto> {
    return this.objects.create(host, 'config', body);
  }

  /** `docker config inspect` by id, id prefix or name, with its data (null for viewers while BERTH_VIEWER_REDACTION is on). */
  @Get(':config')
  @RequireRole('viewer')
  @ApiProblems({ 404: ['CONFIG_NOT_FOUND'], 400: ['AMBIGUOUS_REFERENCE'] })
  inspectConfig(
    @Param('host') host: string,
    @Param('config', SwarmRefPipe) config: string,
    @CurrentPrincipal() principal: Principal | undefined,
  ): Promise<ConfigDto> {
    return this.objects.inspectConfig(host, config, principal);
  }

  /** `docker config rm`. Used by a service: 409 CONFIG_IN_USE naming it. */
  @Delete(':config')
  @HttpCode(204)
  @RequireRole('operator')
  @ApiProblems({ 404: ['CONFIG_NOT_FOUND'], 409: ['CONFIG_IN_USE'] })
  removeConfig(@Param('host') host: string, @Param('config', SwarmRefPipe) config: string): Promise<void> {
    return this.objects.remove(host, 'config', config);
  }
}
