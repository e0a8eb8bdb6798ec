import { Body, Controller, Delete, Param, Post, Query, Req } from '@nestjs/common';
import { ApiCreatedResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { auditContext } from '../audit/audit-context.js';
import { RequireRole } from '../common/access.decorators.js';
import { ApiHostRoute, ApiProblems } from '../common/openapi.js';
import { CurrentPrincipal, Principal } from '../common/principal.js';
import { ImageRemovedDto, ImageTagDto, ImageTaggedDto } from './dto/image-actions.dto.js';
import { ImageRemoveQueryDto } from './dto/image-query.dto.js';
import { ApiImageRef } from './images.controller.js';
import { ImageRefPipe } from './image-ref.pipe.js';
import { ImagesService } from './images.service.js';

/** Names and removal: `docker tag`, `docker rmi`. */
@ApiTags('images')
@ApiHostRoute()
@Controller('api/v1/hosts/:host/images')
export class ImagesManageController {
  constructor(private readonly images: ImagesService) {}

  /**
   * `docker tag`: `repo:tag` (tag default `latest`) names the image too; a bad name is 400 naming the part (`repo.path`, `tag`...).
   * Moving a tag that a policy-exception container runs is for admins only (403 POLICY_DENIED).
   */
  @Post(':ref/tag')
  @RequireRole('operator')
  @ApiImageRef()
  @ApiCreatedResponse({ type: ImageTaggedDto })
  @ApiProblems({ 403: ['POLICY_DENIED'] })
  async tagImage(
    @Param('host') host: string,
    @Param('ref', ImageRefPipe) ref: string,
    @Body() body: ImageTagDto,
    @CurrentPrincipal() principal: Principal | undefined,
    @Req() request: Request,
  ): Promise<ImageTaggedDto> {
    const tagged = await this.images.tag(host, ref, body, principal);
    auditContext(request).targets.push(tagged.reference);
    return tagged;
  }

  /**
   * `docker rmi`: what was untagged and deleted. Used by a container → 409 IMAGE_IN_USE, `containers` naming them. Untagging
   * a tag a policy-exception container runs (by the tag, or all of an image's tags by its id) is for admins only (403 POLICY_DENIED).
   */
  @Delete(':ref')
  @RequireRole('operator')
  @ApiImageRef()
  @ApiProblems({ 403: ['POLICY_DENIED'], 409: ['IMAGE_IN_USE'] })
  removeImage(
    @Param('host') host: string,
    @Param('ref', ImageRefPipe) ref: string,
    @Query() query: ImageRemoveQueryDto,
    @CurrentPrincipal() principal: Principal | undefined,
  ): Promise<ImageRemovedDto> {
    return this.images.remove(host, ref, query, principal);
  }
}
