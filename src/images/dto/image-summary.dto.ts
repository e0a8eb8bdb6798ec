import { ApiProperty } from '@nestjs/swagger';

import { PageOf } from '../../common/dto/page.dto.js';
/** One image of `docker images`, normalised. */
export class ImageSummaryDto {
  /** `sha256:<hex>`. */
  id!: string;
  /** `repo:tag` names; empty for a dangling image. */
  repoTags!: string[];
  /** `repo@sha256:<digest>` names it has in registries. */
  repoDigests!: string[];
  @ApiProperty({ type: 'integer' })
  sizeBytes!: number;
  createdAt!: string;
  labels!: Record<string, string>;
  /** How many containers (any state) use it, counted by Berth: engine 1.41 does not. */
  @ApiProperty({ type: 'integer' })
  containers!: number;
}

/** `docker image inspect`, normalised; the engine's document under `raw`. */
export class ImageInspectDto {
  id!: string;
  repoTags!: string[];
  repoDigests!: string[];
  /** The image it was built on, when the engine knows it (local builds). */
  parentId!: string | null;
  @ApiProperty({ type: 'integer' })
  sizeBytes!: number;
  createdAt!: string;
  labels!: Record<string, string>;
  architecture!: string;
  os!: string;
  author!: string | null;
  cmd!: string[] | null;
  entrypoint!: string[] | null;
  workingDir!: string | null;
  user!: string | null;
  /** `80/tcp`, ... */
  exposedPorts!: string[];
  /** The layers' digests, bottom first. */
  layers!: string[];
  /** The engine's own document. */
  raw!: Record<string, unknown>;
}

/** One layer of `docker history`, newest first. */
export class ImageHistoryItemDto {
  /** The image this layer is, when it is one locally; null for `<missing>`. */
  id!: string | null;
  createdAt!: string;
  createdBy!: string;
  @ApiProperty({ type: 'integer' })
  sizeBytes!: number;
  tags!: string[];
  comment!: string;
}

/** A page of `docker images`, newest first. */
export class ImagePageDto extends PageOf(ImageSummaryDto) {}
