import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Req } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiCreatedResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { auditContext } from '../audit/audit-context.js';
import { RequireRole } from '../common/access.decorators.js';
import { ApiProblems } from '../common/openapi.js';
import { RegistryCreateDto, RegistryDto, RegistryUpdateDto } from './dto/registry.dto.js';
import { registryNotFound, RegistriesService } from './registries.service.js';
import { Idempotent } from '../idempotency/idempotent.decorator.js';

/** A registry id is a UUID; anything else names no registry. */
export const RegistryId = () => Param('id', new ParseUUIDPipe({ exceptionFactory: () => registryNotFound('(not a registry id)') }));

const EXAMPLE: RegistryDto = {
  id: '0b9f3c52-6a0e-4b8e-9f5e-2f1a7c3d9e10',
  name: 'team registry',
  kind: 'generic',
  host: 'registry.example.com:5000',
  url: 'https://registry.example.com:5000',
  username: 'ci-bot',
  hasPassword: true,
  hasIdentityToken: false,
  createdAt: '2026-11-26T14:30:00.000Z',
  updatedAt: '2026-11-26T14:30:00.000Z',
};

/** The audit keeps which registry changed (name, url), never its secrets. */
function auditRegistry(request: Request, registry: RegistryDto): void {
  Object.assign(auditContext(request).details, { name: registry.name, url: registry.url });
}

@ApiTags('registries')
@Controller('api/v1/registries')
export class RegistriesController {
  constructor(private readonly registries: RegistriesService) {}

  /** Every stored registry; passwords and tokens only as `hasPassword` / `hasIdentityToken`. */
  @Get()
  @RequireRole('operator')
  @ApiOkResponse({ type: RegistryDto, isArray: true, example: [EXAMPLE] })
  listRegistries(): Promise<RegistryDto[]> {
    return this.registries.list();
  }

  /** Stores a registry's credentials (encrypted); pulls, pushes and builds of references with its host use them. */
  @Post()
  @Idempotent()
  @RequireRole('admin')
  @ApiBody({
    type: RegistryCreateDto,
    examples: {
      private: {
        summary: 'A private registry with a password',
        value: { name: 'team registry', url: 'registry.example.com:5000', username: 'ci-bot', password: 's3cret-pa55' },
      },
      local: {
        summary: 'A registry on this machine (http)',
        value: { name: 'local', url: 'localhost:5001', username: 'dev', password: 'dev-pa55' },
      },
      dockerHub: {
        summary: 'Docker Hub with an access token',
        value: { name: 'docker hub', url: 'docker.io', username: 'jane', password: 'dckr_pat_…' },
      },
    },
  })
  @ApiCreatedResponse({ type: RegistryDto, example: EXAMPLE })
  @ApiProblems({ 409: ['REGISTRY_NAME_TAKEN', 'REGISTRY_HOST_TAKEN'] })
  async createRegistry(@Body() dto: RegistryCreateDto, @Req() request: Request): Promise<RegistryDto> {
    const registry = await this.registries.create(dto);
    auditRegistry(request, registry);
    return registry;
  }

  /** One registry. */
  @Get(':id')
  @RequireRole('operator')
  @ApiOkResponse({ type: RegistryDto, example: EXAMPLE })
  @ApiProblems({ 404: ['REGISTRY_NOT_FOUND'] })
  getRegistry(@RegistryId() id: string): Promise<RegistryDto> {
    return this.registries.get(id);
  }

  /** Changes a registry; absent fields stay, `null` clears `username`, `password` or `identityToken`. */
  @Patch(':id')
  @RequireRole('admin')
  @ApiBody({
    type: RegistryUpdateDto,
    examples: {
      password: { summary: 'A new password', value: { password: 'n3w-s3cret' } },
      anonymous: { summary: 'Forget the credentials', value: { username: null, password: null } },
    },
  })
  @ApiOkResponse({ type: RegistryDto, example: { ...EXAMPLE, updatedAt: '2026-11-27T09:00:00.000Z' } })
  @ApiProblems({ 404: ['REGISTRY_NOT_FOUND'], 409: ['REGISTRY_NAME_TAKEN', 'REGISTRY_HOST_TAKEN'] })
  async updateRegistry(@RegistryId() id: string, @Body() dto: RegistryUpdateDto, @Req() request: Request): Promise<RegistryDto> {
    const registry = await this.registries.update(id, dto);
    auditRegistry(request, registry);
    return registry;
  }

  /** Deletes a registry and its stored credentials. */
  @Delete(':id')
  @RequireRole('admin')
  @HttpCode(204)
  @ApiProblems({ 404: ['REGISTRY_NOT_FOUND'] })
  async deleteRegistry(@RegistryId() id: string, @Req() request: Request): Promise<void> {
    auditRegistry(request, await this.registries.remove(id));
  }
}
