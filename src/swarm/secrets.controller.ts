import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../common/access.decorators.js';
import { ApiHostRoute, ApiProblems } from '../common/openapi.js';
import { SecretDto, SecretPageDto, SwarmObjectCreateDto, SwarmObjectCreatedDto, SwarmObjectListQueryDto } from './dto/swarm-object.dto.js';
import { SwarmObjectsService } from './swarm-objects.service.js';
import { SwarmRefPipe } from './swarm-ref.pipe.js';

/** `docker secret`: create from a value, list, inspect, remove. The value is never answered, to anyone. */
@ApiTags('swarm')
@ApiHostRoute()
@ApiProblems({ 409: ['SWARM_NOT_ACTIVE', 'NOT_A_SWARM_MANAGER'], 501: ['ENGINE_API_TOO_OLD'] })
@Controller('api/v1/hosts/:host/secrets')
export class SecretsController {
  constructor(private readonly objects: SwarmObjectsService) {}

  /** `docker secret ls`, by name: metadata only. */
  @Get()
  @RequireRole('viewer')
  listSecrets(@Param('host') host: string, @Query() query: SwarmObjectListQueryDto): Promise<SecretPageDto> {
    return this.objects.listSecrets(host, query);
  }

  /**
   * `printf VALUE | docker secret create NAME -`: 1 byte to 500 KB. The value goes to the engine only: it is not answered,
   * logged, audited nor kept for Idempotency-Key replays (a retry of the same name is 409 NAME_CONFLICT).
   */
  @Post()
  @RequireRole('operator')
  @ApiCreatedResponse({ type: SwarmObjectCreatedDto })
  @ApiProblems({ 409: ['NAME_CONFLICT'] })
  @ApiBody({
    type: SwarmObjectCreateDto,
    examples: {
      text: {
        summary: 'printf s3cr3t | docker secret create db-password -',
        value: { name: 'db-password', value: 's3cr3t', labels: { app: 'web' } },
      },
      binary: {
        summary: 'docker secret create tls-key key.der',
        value: { name: 'tls-key', value: 'MIIBVQIBADANBgkqhkiG9w0BAQEFAASC', encoding: 'base64' },
      },
    },
  })
  createSecret(@Param('host') host: string, @Body() body: SwarmObjectCreateDto): Promise<SwarmObjectCreatedDto> {
    return this.objects.create(host, 'secret', body);
  }

  /** `docker secret inspect` by id, id prefix or name: metadata only (the engine does not give the value back either). */
  @Get(':secret')
  @RequireRole('viewer')
  @ApiProblems({ 404: ['SECRET_NOT_FOUND'], 400: ['AMBIGUOUS_REFERENCE'] })
  inspectSecret(@Param('host') host: string, @Param('secret', SwarmRefPipe) secret: string): Promise<SecretDto> {
    return this.objects.inspectSecret(host, secret);
  }

  /** `docker secret rm`. Used by a service: 409 SECRET_IN_USE naming it. */
  @Delete(':secret')
  @HttpCode(204)
  @RequireRole('operator')
  @ApiProblems({ 404: ['SECRET_NOT_FOUND'], 409: ['SECRET_IN_USE'] })
  removeSecret(@Param('host') host: string, @Param('secret', SwarmRefPipe) secret: string): Promise<void> {
    return this.objects.remove(host, 'secret', secret);
  }
}
