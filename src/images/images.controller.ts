import { Controller, Get, Param, Query, applyDecorators } from '@nestjs/common';
import { ApiParam, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../common/access.decorators.js';
import { ApiHostRoute, ApiProblems } from '../common/openapi.js';
import { CurrentPrincipal, Principal } from '../common/principal.js';
import { ImageListQueryDto } from './dto/image-query.dto.js';
import { ImageHistoryItemDto, ImageInspectDto, ImagePageDto } from './dto/image-summary.dto.js';
import { ImageRefPipe } from './image-ref.pipe.js';
import { ImagesService } from './images.service.js';

/** How `{ref}` is written in every image path, and the image it names missing. */
export const ApiImageRef = () =>
  applyDecorators(
    ApiProblems({ 404: ['IMAGE_NOT_FOUND'] }),
    ApiParam({
      name: 'ref',
      description:
        'An image reference `[registry[:port]/]path[:tag][@sha256:digest]`, URL-encoded as one path segment ' +
        '(`localhost%3A5001%2Fteam%2Fapp%3A1.0`), or an image id `sha256:<hex>` or id prefix. A reference the engine grammar ' +
        'rejects is 400 VALIDATION_FAILED naming the wrong part (`ref.path`, `ref.tag`, `ref.registry`, `ref.digest`, `ref.id`).',
      example: 'localhost%3A5001%2Fteam%2Fapp%3A1.0',
    }),
  );

/** Images as the host has them: list, inspect, history. */
@ApiTags('images')
@ApiHostRoute()
@Controller('api/v1/hosts/:host/images')
export class ImagesController {
  constructor(private readonly images: ImagesService) {}

  /**
   * `docker images` with its filters; `containers` is how many containers (any state) use each image.
   * Newest first (created, then id), paged by `limit` and `cursor`.
   */
  @Get()
  @RequireRole('viewer')
  listImages(@Param('host') host: string, @Query() query: ImageListQueryDto): Promise<ImagePageDto> {
    return this.images.list(host, query);
  }

  /**
   * `docker image inspect`: a normalised view, with the engine's document under `raw`. Viewers get env values as
   * `KEY=<redacted>` in `raw.Config.Env` and `raw.ContainerConfig.Env`, and a build step's arguments redacted (see BERTH_VIEWER_REDACTION).
   */
  @Get(':ref')
  @RequireRole('viewer')
  @ApiImageRef()
  inspectImage(
    @Param('host') host: string,
    @Param('ref', ImageRefPipe) ref: string,
    @CurrentPrincipal() principal: Principal | undefined,
  ): Promise<ImageInspectDto> {
    return this.images.inspect(host, ref, principal);
  }

  /**
   * `docker history`: the layers, newest first. Viewers get the values in `ENV` and `ARG` steps and the build arguments
   * of a `RUN` step as `<redacted>`, names kept (see BERTH_VIEWER_REDACTION).
   */
  @Get(':ref/history')
  @RequireRole('viewer')
  @ApiImageRef()
  getImageHistory(
    @Param('host') host: string,
    @Param('ref', ImageRefPipe) ref: string,
    @CurrentPrincipal() principal: Principal | undefined,
  ): Promise<ImageHistoryItemDto[]> {
    return this.images.history(host, ref, principal);
  }
}
