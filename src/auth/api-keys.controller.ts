import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBody, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../common/access.decorators.js';
import { ApiProblems } from '../common/openapi.js';
import { CurrentPrincipal, type Principal } from '../common/principal.js';
import { ProblemException } from '../common/problem.js';
import { ApiKeysService } from './api-keys.service.js';
import { ApiKeyCreateDto, ApiKeyCreatedDto, ApiKeyDto } from './dto/api-key.dto.js';

@ApiTags('auth')
@Controller('api/v1/auth/api-keys')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  /** Creates an API key for a bot, with at most your role. The key is in this answer only. At most 100 keys not revoked per user, expired ones included. */
  @Post()
  @RequireRole('viewer', { userSession: true })
  @ApiProblems({ 409: ['API_KEY_LIMIT'] })
  @ApiBody({
    type: ApiKeyCreateDto,
    examples: {
      bot: {
        summary: 'A deploy bot that runs containers, until the end of June',
        value: { name: 'deploy-bot', role: 'operator', expiresAt: '2027-06-30T00:00:00Z' },
      },
      dashboard: { summary: 'A read-only dashboard, without expiry', value: { name: 'dashboard', role: 'viewer' } },
    },
  })
  createApiKey(@CurrentPrincipal() principal: Principal, @Body() dto: ApiKeyCreateDto): Promise<ApiKeyCreatedDto> {
    return this.apiKeys.create(principal, dto);
  }

  /** Your API keys that are not revoked (an admin sees everyone's); never the keys themselves. */
  @Get()
  @RequireRole('viewer')
  listApiKeys(@CurrentPrincipal() principal: Principal): Promise<ApiKeyDto[]> {
    return this.apiKeys.list(principal);
  }

  /** Revokes a key at once: requests and open streams that use it stop, and the jobs it started are canceled. Revoking a revoked key succeeds. */
  @Delete(':id')
  @RequireRole('viewer', { userSession: true })
  @HttpCode(204)
  @ApiProblems({ 404: ['API_KEY_NOT_FOUND'] })
  async revokeApiKey(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ParseUUIDPipe({ exceptionFactory: () => new ProblemException(404, 'API_KEY_NOT_FOUND', 'No such API key.') }))
    id: string,
  ): Promise<void> {
    await this.apiKeys.revoke(principal, id);
  }
}
