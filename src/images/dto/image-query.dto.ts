import { ArrayMaxSize, IsBoolean, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { PageQueryDto } from '../../common/dto/page.dto.js';
import { QueryBoolean, QueryList } from '../../common/validators.js';

/** What a `reference` filter may hold: a reference, with the engine's `*` and `?` globs. */
const REFERENCE_PATTERN = /^[a-zA-Z0-9_.:/@*?-]+$/;

/** The filters of `docker images`, and the page. Repeat a parameter to give several values (`?label=a&label=b=c`). */
export class ImageListQueryDto extends PageQueryDto {
  /** `-a`: intermediate images too. */
  @IsOptional()
  @QueryBoolean()
  @IsBoolean()
  all?: boolean;

  /** `true`: only untagged images no other image builds on; `false`: only the others. */
  @IsOptional()
  @QueryBoolean()
  @IsBoolean()
  dangling?: boolean;

  /** A reference or a glob over one (`berth-test/*`, `app:1.*`). */
  @IsOptional()
  @QueryList()
  @IsString({ each: true })
  @MaxLength(512, { each: true })
  @Matches(REFERENCE_PATTERN, { each: true, message: 'reference must be an image reference, with * and ? as globs' })
  reference?: string[];

  /** `key` or `key=value`. */
  @IsOptional()
  @QueryList()
  @IsString({ each: true })
  @MaxLength(512, { each: true })
  label?: string[];

  /** Created before this image (a reference or id); checked against the reference grammar. */
  @IsOptional()
  @IsString()
  @MaxLength(512)
  before?: string;

  /** Created after this image (a reference or id); checked against the reference grammar. */
  @IsOptional()
  @IsString()
  @MaxLength(512)
  since?: string;
}

/** `docker rmi` options. */
export class ImageRemoveQueryDto {
  /** Remove even when it has several tags, or is used by a stopped container. */
  @IsOptional()
  @QueryBoolean()
  @IsBoolean()
  force?: boolean;

  /** Keep untagged parents. */
  @IsOptional()
  @QueryBoolean()
  @IsBoolean()
  noprune?: boolean;
}

/** More images to put in the same tar (`docker save a b c`), besides the one in the path. */
export class ImageExportQueryDto {
  /** Repeatable: `?ref=app%3A2&ref=sha256%3A...`; up to 20 (each is inspected before the export starts). */
  @IsOptional()
  @QueryList()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @MaxLength(512, { each: true })
  ref?: string[];
}
