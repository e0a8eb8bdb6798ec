import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { IsStringMap, QueryBoolean, QueryList, satisfies } from '../../common/validators.js';
import { isTagName } from '../../docker/image-ref.js';
import { WaitQueryDto } from '../../jobs/dto/job.dto.js';
import { MAX_CONTEXT_FILES, contextPathProblem } from '../build-context.js';

const MAX_TAGS = 20;
const KEY_VALUE = /^[^=\s][^=]{0,254}=[^\n]{0,4096}$/s;
const TARGET = /^[a-zA-Z0-9][\w.-]{0,127}$/;
const PLATFORM = /^[a-z0-9_]+(?:\/[a-z0-9_.-]+){0,2}$/;

/** Every tag is a name the engine may tag, by the one reference grammar (src/docker/image-ref.ts). */
const IsTagNames = () =>
  satisfies(
    'isTagNames',
    (value) => Array.isArray(value) && value.every((tag) => typeof tag === 'string' && isTagName(tag)),
    'each tag must be an image name with an optional tag, lowercase, e.g. team/app:1.0',
  );

const IsContextPath = () =>
  satisfies(
    'isContextPath',
    (value) => typeof value === 'string' && !contextPathProblem(value),
    '$property must be a relative path inside the build context (no `..`, not absolute)',
  );

const IsContextFiles = () =>
  satisfies(
    'isContextFiles',
    (value) =>
      typeof value === 'object' &&
      value !== null &&
      Object.keys(value).every((path) => !contextPathProblem(path, 100) && path !== 'Dockerfile'),
    '$property must name relative paths of at most 100 bytes inside the context (no `..`, not absolute, not `Dockerfile`)',
  );

/** The options of a build from an uploaded tar or tar.gz context, as `docker build` takes them. */
export class ImageBuildQueryDto extends WaitQueryDto {
  /** `-t`, repeatable: at least one (`name:tag`). */
  @IsOptional()
  @QueryList()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_TAGS)
  @IsTagNames()
  tag?: string[];

  /** `-f`: the Dockerfile's path inside the context (default `Dockerfile`). */
  @IsOptional()
  @IsString()
  @IsContextPath()
  dockerfile?: string;

  /** `--build-arg K=V`, repeatable. */
  @IsOptional()
  @QueryList()
  @ArrayMaxSize(100)
  @Matches(KEY_VALUE, { each: true, message: 'each buildArg must be KEY=value' })
  buildArg?: string[];

  /** `--target`: the stage to build. */
  @IsOptional()
  @Matches(TARGET, { message: 'target must be a stage name' })
  target?: string;

  /** `--label k=v`, repeatable. */
  @IsOptional()
  @QueryList()
  @ArrayMaxSize(100)
  @Matches(KEY_VALUE, { each: true, message: 'each label must be key=value' })
  label?: string[];

  @IsOptional()
  @QueryBoolean()
  @IsBoolean()
  noCache?: boolean;

  /** `--pull`: pull newer base images. */
  @IsOptional()
  @QueryBoolean()
  @IsBoolean()
  pull?: boolean;

  /** `--platform`, e.g. `linux/amd64`. */
  @IsOptional()
  @Matches(PLATFORM, { message: 'platform must look like linux/amd64' })
  platform?: string;
}

/** A build from JSON (bots): Berth makes the context from the Dockerfile and the files. */
export class ImageBuildDto {
  /** The Dockerfile's text. */
  @ApiProperty({ example: 'FROM busybox:latest\nCOPY index.html /var/www/\nCMD ["httpd", "-f", "-p", "80", "-h", "/var/www"]\n' })
  @IsString()
  @MaxLength(64 * 1024)
  dockerfile!: string;

  /**
   * More files of the context, path → text (relative paths, at most 100).
   * @example {"index.html": "hello from berth"}
   */
  @IsOptional()
  @IsStringMap({ maxEntries: MAX_CONTEXT_FILES })
  @IsContextFiles()
  files?: Record<string, string>;

  /** @example ["localhost:5001/team/app:1.0"] */
  @ApiProperty({ type: [String] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_TAGS)
  @IsString({ each: true })
  @IsTagNames()
  tags!: string[];

  /** @example {"GREETING": "hello"} */
  @IsOptional()
  @IsStringMap({ maxEntries: 100 })
  buildArgs?: Record<string, string>;

  /** @example runtime */
  @IsOptional()
  @Matches(TARGET, { message: 'target must be a stage name' })
  target?: string;

  /** @example {"com.example.app": "web"} */
  @IsOptional()
  @IsStringMap({ maxEntries: 100 })
  labels?: Record<string, string>;

  /** @example false */
  @IsOptional()
  @IsBoolean()
  noCache?: boolean;

  /** @example false */
  @IsOptional()
  @IsBoolean()
  pull?: boolean;

  /** @example linux/amd64 */
  @IsOptional()
  @Matches(PLATFORM, { message: 'platform must look like linux/amd64' })
  platform?: string;
}

/** A JSON build of a one-page web server image, for Swagger UI's "Try it out" (busybox:latest is on the host). */
export const WEB_IMAGE_BUILD_EXAMPLE = {
  dockerfile: 'FROM busybox:latest\nCOPY index.html /var/www/\nCMD ["httpd", "-f", "-p", "80", "-h", "/var/www"]\n',
  files: { 'index.html': '<h1>hello from berth</h1>\n' },
  tags: ['localhost:5001/team/app:1.0'],
  labels: { 'com.example.app': 'web' },
};

/** `docker push`: one tag of the image (default: the reference's own tag, or `latest`). */
export class ImagePushDto {
  /** @example "1.0" */
  @ApiPropertyOptional()
  @IsOptional()
  @Matches(/^[\w][\w.-]{0,127}$/, { message: 'tag must be a tag, e.g. 1.0' })
  tag?: string;

  /**
   * The stored registry whose credentials to send (it must be for the reference's host); by default the one whose host matches.
   * @example 0b9f3c52-6a0e-4b8e-9f5e-2f1a7c3d9e10
   */
  @IsOptional()
  @IsString()
  @MaxLength(128)
  registryId?: string;
}
