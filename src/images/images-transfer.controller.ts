import { Controller, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { auditContext } from '../audit/audit-context.js';
import { RequireRole } from '../common/access.decorators.js';
import { ApiHostRoute, ApiProblems } from '../common/openapi.js';
import { parseImageReference } from '../docker/image-ref.js';
import { ImagesLoadedDto } from './dto/image-actions.dto.js';
import { ImageExportQueryDto } from './dto/image-query.dto.js';
import { abortWhenGone, requireTarBody, sendTar } from './image-transfer.js';
import { ApiImageRef } from './images.controller.js';
import { ImageRefPipe } from './image-ref.pipe.js';
import { ImagesService } from './images.service.js';

/** `docker save` and `docker load`, streamed end to end: memory does not grow with the image. */
@ApiTags('images')
@ApiHostRoute()
@Controller('api/v1/hosts/:host/images')
export class ImagesTransferController {
  constructor(private readonly images: ImagesService) {}

  /**
   * `docker save`: the image as a tar download (`application/x-tar`), streamed as the engine writes it.
   * More images go in the same tar with `?ref=` (repeatable, same grammar as `{ref}`). Operator: it hands out the image's content.
   */
  @Get(':ref/export')
  @RequireRole('operator')
  @ApiImageRef()
  @ApiProduces('application/x-tar')
  @ApiOkResponse({
    description: 'The images as `docker save` writes them',
    content: { 'application/x-tar': { schema: { type: 'string', format: 'binary' } } },
  })
  async exportImage(
    @Param('host') host: string,
    @Param('ref', ImageRefPipe) ref: string,
    @Query() query: ImageExportQueryDto,
    @Res() response: Response,
  ): Promise<void> {
    const refs = [ref, ...(query.ref ?? []).map((more) => parseImageReference(more, 'ref').ref)];
    await sendTar(response, refs, (signal) => this.images.export(host, refs, signal));
  }

  /**
   * `docker load`: an `application/x-tar` body (as `docker save` writes it) streamed into the engine; answers the references loaded.
   * Synchronous for now: the answer comes once the engine has loaded everything.
   */
  @Post('import')
  @HttpCode(200)
  @RequireRole('operator')
  @ApiConsumes('application/x-tar')
  @ApiBody({ schema: { type: 'string', format: 'binary' } })
  @ApiOkResponse({ type: ImagesLoadedDto })
  @ApiProblems(415)
  async importImages(
    @Param('host') host: string,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<ImagesLoadedDto> {
    requireTarBody(request);
    const loaded = await this.images.import(host, request, abortWhenGone(response));
    auditContext(request).targets.push(...loaded.loaded);
    return loaded;
  }
}
