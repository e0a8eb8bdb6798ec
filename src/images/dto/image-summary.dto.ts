import { ApiProperty } from '@nestjs/swagger';

import { PageOf } from '../../common/dto/page.dto.js';
/** One image of `docker images`, normalised. */
export class ImageSummaryDto {
  /**
   * `sha256:<hex>`.
   * @example sha256:3f57d9401f8d42f986df300f0c69192fc41da28ccc8d797829467780db3dd741
   */
  id!: string;
  /**
   * `repo:tag` names; empty for a dangling image.
   * @example ["busybox:latest"]
   */
  repoTags!: string[];
  /**
   * `repo@sha256:<digest>` names it has in registries.
   * @example ["busybox@sha256:768e5c6f5cb6db0794eec98dc7a967f40631746c32232b78a3105fb946f3ab83"]
   */
  repoDigests!: string[];
  /** @example 4261550 */
  @ApiProperty({ type: 'integer' })
  sizeBytes!: number;
  /** @example 2026-09-26T21:31:42.000Z */
  createdAt!: string;
  /** @example {} */
  labels!: Record<string, string>;
  /**
   * How many containers (any state) use it, counted by Berth: engine 1.41 does not.
   * @example 1
   */
  @ApiProperty({ type: 'integer' })
  containers!: number;
}

/** `docker image inspect`, normalised; the engine's document under `raw`. */
export class ImageInspectDto {
  /** @example sha256:3f57d9401f8d42f986df300f0c69192fc41da28ccc8d797829467780db3dd741 */
  id!: string;
  /** @example ["busybox:latest"] */
  repoTags!: string[];
  /** @example ["busybox@sha256:768e5c6f5cb6db0794eec98dc7a967f40631746c32232b78a3105fb946f3ab83"] */
  repoDigests!: string[];
  /** The image it was built on, when the engine knows it (local builds). */
  @ApiProperty({ example: null })
  parentId!: string | null;
  /** @example 4261550 */
  @ApiProperty({ type: 'integer' })
  sizeBytes!: number;
  /** @example 2026-09-26T21:31:42.000Z */
  createdAt!: string;
  /** @example {"org.opencontainers.image.source": "https://github.com/docker-library/busybox"} */
  labels!: Record<string, string>;
  /** @example amd64 */
  architecture!: string;
  /** @example linux */
  os!: string;
  @ApiProperty({ example: null })
  author!: string | null;
  /** @example ["sh"] */
  cmd!: string[] | null;
  @ApiProperty({ example: null })
  entrypoint!: string[] | null;
  @ApiProperty({ example: null })
  workingDir!: string | null;
  @ApiProperty({ example: null })
  user!: string | null;
  /**
   * `80/tcp`, ...
   * @example ["80/tcp"]
   */
  exposedPorts!: string[];
  /**
   * The layers' digests, bottom first.
   * @example ["sha256:1287fbecdfcce6ee8cf2436e5b9e9d86a4648db2d91080377d499737f1b307f3"]
   */
  layers!: string[];
  /**
   * The engine's own document.
   * @example {"Id": "sha256:3f57d9401f8d42f986df300f0c69192fc41da28ccc8d797829467780db3dd741", "Os": "linux", "Architecture": "amd64"}
   */
  raw!: Record<string, unknown>;
}

/** One layer of `docker history`, newest first. */
export class ImageHistoryItemDto {
  /**
   * The image this layer is, when it is one locally; null for `<missing>`.
   * @example sha256:3f57d9401f8d42f986df300f0c69192fc41da28ccc8d797829467780db3dd741
   */
  id!: string | null;
  /** @example 2026-09-26T21:31:42.000Z */
  createdAt!: string;
  /** @example "/bin/sh -c #(nop) CMD [sh]" */
  createdBy!: string;
  /** @example 0 */
  @ApiProperty({ type: 'integer' })
  sizeBytes!: number;
  /** @example ["busybox:latest"] */
  tags!: string[];
  /** @example "" */
  comment!: string;
}

/** A page of `docker images`, newest first. */
export class ImagePageDto extends PageOf(ImageSummaryDto) {}
