import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../common/access.decorators.js';
import { ApiHostRoute } from '../common/openapi.js';
import { ApiContainerRoute, ContainerRefPipe } from '../containers/container-ref.pipe.js';
import { ImageRefPipe } from '../images/image-ref.pipe.js';
import { ApiImageRef } from '../images/images.controller.js';
import { CONTAINER_STATUS_EXAMPLES, HOST_STATUS_EXAMPLES, IMAGE_STATUS_EXAMPLES } from './dto/image-status.examples.js';
import { ContainerImageStatusDto, HostImageStatusDto, ImageStatusDto, ImageStatusQueryDto } from './dto/image-status.dto.js';
import { ImageStatusService } from './image-status.service.js';

/**
 * Update checks: does an image still match its tag in the registry? One HEAD per host and reference per
 * BERTH_IMAGE_STATUS_TTL_SECONDS (`refresh=true` asks again); credentials from the registry record of the
 * reference's host, else anonymous.
 */
@ApiTags('updates')
@ApiHostRoute()
@Controller('api/v1/hosts/:host')
export class ImageStatusController {
  constructor(private readonly status: ImageStatusService) {}

  /** The image the container runs (by id: not whatever its tag names since) against the tag it was created from. */
  @Get('containers/:id/image-status')
  @RequireRole('viewer')
  @ApiOkResponse({ type: ContainerImageStatusDto, examples: CONTAINER_STATUS_EXAMPLES })
  @ApiContainerRoute()
  getContainerImageStatus(
    @Param('host') host: string,
    @Param('id', ContainerRefPipe) id: string,
    @Query() query: ImageStatusQueryDto,
  ): Promise<ContainerImageStatusDto> {
    return this.status.forContainer(host, id, query.refresh);
  }

  /** A local image against its tag in the registry; `skipped` for an id or a reference pinned by digest. */
  @Get('images/:ref/status')
  @RequireRole('viewer')
  @ApiOkResponse({ type: ImageStatusDto, examples: IMAGE_STATUS_EXAMPLES })
  @ApiImageRef()
  getImageStatus(
    @Param('host') host: string,
    @Param('ref', ImageRefPipe) ref: string,
    @Query() query: ImageStatusQueryDto,
  ): Promise<ImageStatusDto> {
    return this.status.forImage(host, ref, query.refresh);
  }

  /**
   * Every container's image status with counts per state, for a dashboard's "updates available" badge. Each distinct
   * image and reference is checked once, 4 registry checks at a time, answers kept per reference: after the first call
   * in a TTL, the list costs engine reads only.
   */
  @Get('image-status')
  @RequireRole('viewer')
  @ApiOkResponse({ type: HostImageStatusDto, examples: HOST_STATUS_EXAMPLES })
  listImageStatus(@Param('host') host: string, @Query() query: ImageStatusQueryDto): Promise<HostImageStatusDto> {
    return this.status.forHost(host, query.refresh);
  }
}
