import { Controller, Delete, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../common/access.decorators.js';
import { ApiProblems, type ProblemCodesByStatus } from '../common/openapi.js';
import {
  RegistryPageQueryDto,
  RegistryRepositoriesDto,
  RegistryTagDeletedDto,
  RegistryTagDto,
  RegistryTagsDto,
} from './dto/registry-browse.dto.js';
import { RegistryId } from './registries.controller.js';
import { RegistryBrowseService } from './registry-browse.service.js';
import { ApiRegistryId, ApiRegistryRepo, ApiRegistryTag, RegistryRepoPipe, RegistryTagPipe } from './registry-params.js';

/** What any call to a stored registry may answer: it is gone, its secret cannot be read, or the registry failed (502). */
const REGISTRY_PROBLEMS: ProblemCodesByStatus = {
  404: ['REGISTRY_NOT_FOUND'],
  500: ['REGISTRY_SECRET_UNREADABLE'],
  502: [
    'REGISTRY_AUTH_FAILED',
    'REGISTRY_FORBIDDEN',
    'REGISTRY_UNREACHABLE',
    'REGISTRY_TLS_FAILED',
    'NOT_A_REGISTRY',
    'REGISTRY_RATE_LIMITED',
    'REGISTRY_ERROR',
  ],
};

/**
 * A stored registry through the Distribution API (no engine involved). Failures of the registry are
 * 502 with a `reason`: REGISTRY_AUTH_FAILED (unauthorized), REGISTRY_FORBIDDEN, REGISTRY_TLS_FAILED,
 * REGISTRY_UNREACHABLE, NOT_A_REGISTRY; REGISTRY_RATE_LIMITED (with Retry-After) and REGISTRY_ERROR otherwise.
 */
@ApiTags('registries')
@Controller('api/v1/registries')
export class RegistryBrowseController {
  constructor(private readonly browse: RegistryBrowseService) {}

  /**
   * The registry's repositories (`/v2/_catalog`), a page at a time. A registry without a catalog
   * (Docker Hub, GHCR, or one that refuses it) is 501 CATALOG_UNSUPPORTED: ask for a known repository's tags instead.
   */
  @Get(':id/repositories')
  @RequireRole('operator')
  @ApiRegistryId()
  @ApiOkResponse({ type: RegistryRepositoriesDto })
  @ApiProblems({ 501: ['CATALOG_UNSUPPORTED'] }, REGISTRY_PROBLEMS)
  listRegistryRepositories(@RegistryId() id: string, @Query() query: RegistryPageQueryDto): Promise<RegistryRepositoriesDto> {
    return this.browse.repositories(id, query);
  }

  /** A repository's tags, a page at a time; 404 REGISTRY_REPOSITORY_NOT_FOUND when the registry has no such repository. */
  @Get(':id/repositories/:repo/tags')
  @RequireRole('operator')
  @ApiRegistryRepo()
  @ApiOkResponse({ type: RegistryTagsDto })
  @ApiProblems({ 404: ['REGISTRY_REPOSITORY_NOT_FOUND'] }, REGISTRY_PROBLEMS)
  listRegistryTags(
    @RegistryId() id: string,
    @Param('repo', RegistryRepoPipe) repo: string,
    @Query() query: RegistryPageQueryDto,
  ): Promise<RegistryTagsDto> {
    return this.browse.tags(id, repo, query);
  }

  /** A tag's manifest: digest, media type, size, the image's creation time when known, the platforms of an index. */
  @Get(':id/repositories/:repo/tags/:tag')
  @RequireRole('operator')
  @ApiRegistryTag()
  @ApiOkResponse({ type: RegistryTagDto })
  @ApiProblems({ 404: ['REGISTRY_MANIFEST_NOT_FOUND', 'REGISTRY_REPOSITORY_NOT_FOUND'] }, REGISTRY_PROBLEMS)
  getRegistryTag(
    @RegistryId() id: string,
    @Param('repo', RegistryRepoPipe) repo: string,
    @Param('tag', RegistryTagPipe) tag: string,
  ): Promise<RegistryTagDto> {
    return this.browse.tag(id, repo, tag);
  }

  /**
   * Deletes the manifest the tag names (resolved to its digest first): every tag naming that digest goes
   * with it. A registry with deletes disabled is 409 REGISTRY_DELETE_DISABLED and nothing changes.
   */
  @Delete(':id/repositories/:repo/tags/:tag')
  @RequireRole('admin')
  @ApiRegistryTag()
  @ApiOkResponse({ type: RegistryTagDeletedDto })
  @ApiProblems(
    { 404: ['REGISTRY_MANIFEST_NOT_FOUND', 'REGISTRY_REPOSITORY_NOT_FOUND'], 409: ['REGISTRY_DELETE_DISABLED'] },
    REGISTRY_PROBLEMS,
  )
  deleteRegistryTag(
    @RegistryId() id: string,
    @Param('repo', RegistryRepoPipe) repo: string,
    @Param('tag', RegistryTagPipe) tag: string,
  ): Promise<RegistryTagDeletedDto> {
    return this.browse.deleteTag(id, repo, tag);
  }
}
