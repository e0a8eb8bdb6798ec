import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../common/access.decorators.js';
import { ApiProblems } from '../common/openapi.js';
import { RegistryCheckDto } from './dto/registry-browse.dto.js';
import { RegistryTestDto } from './dto/registry.dto.js';
import { RegistryId } from './registries.controller.js';
import { RegistryBrowseService } from './registry-browse.service.js';
import { registryAccessFromBody } from './registry-body.js';
import { ApiRegistryId } from './registry-params.js';

const CHECK_EXAMPLES = {
  ok: { summary: 'ok', value: { ok: true, detail: 'the registry at http://127.0.0.1:5001 answers the Distribution API v2 as ci-bot.' } },
  unauthorized: {
    summary: 'wrong credentials',
    value: {
      ok: false,
      reason: 'unauthorized',
      detail: 'the registry at http://127.0.0.1:5001 refused the credentials of user ci-bot (UNAUTHORIZED).',
    },
  },
  unreachable: {
    summary: 'network',
    value: {
      ok: false,
      reason: 'unreachable',
      detail:
        'the registry at http://127.0.0.1:5009 is unreachable: the connection was refused (nothing listens on that port) (ECONNREFUSED).',
    },
  },
};

/**
 * `{ok, reason, detail}`: whether Berth can use a registry, telling credentials (`unauthorized`,
 * `forbidden`) from the network and server (`tls`, `unreachable`, `not-a-registry`). Always 200: the
 * answer is the check. The detail never holds a secret, nor what the registry's error messages echo.
 */
@ApiTags('registries')
@Controller('api/v1/registries')
export class RegistryTestController {
  constructor(private readonly browse: RegistryBrowseService) {}

  /** Tests a registry before it is saved (a form's "test" button). Admin: it sends the given credentials to the given URL. */
  @Post('test')
  @HttpCode(200)
  @RequireRole('admin')
  @ApiBody({
    type: RegistryTestDto,
    examples: {
      password: {
        summary: 'A private registry with a password',
        value: { url: 'https://localhost:5001', username: 'ci-bot', password: 's3cret-pa55' },
      },
      anonymous: { summary: 'A public registry, without credentials', value: { url: 'docker.io' } },
    },
  })
  @ApiOkResponse({ type: RegistryCheckDto, examples: CHECK_EXAMPLES })
  testUnsavedRegistry(@Body() body: RegistryTestDto): Promise<RegistryCheckDto> {
    return this.browse.testUnsaved(registryAccessFromBody(body));
  }

  /** Tests a stored registry's `/v2/` with its stored credentials. */
  @Post(':id/test')
  @HttpCode(200)
  @RequireRole('operator')
  @ApiRegistryId()
  @ApiOkResponse({ type: RegistryCheckDto, examples: CHECK_EXAMPLES })
  @ApiProblems({ 404: ['REGISTRY_NOT_FOUND'], 500: ['REGISTRY_SECRET_UNREADABLE'] })
  testRegistry(@RegistryId() id: string): Promise<RegistryCheckDto> {
    return this.browse.test(id);
  }
}
