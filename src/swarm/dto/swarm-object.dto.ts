import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { PageOf, PageQueryDto } from '../../common/dto/page.dto.js';
import { IsStringMap, QueryList } from '../../common/validators.js';
import { SWARM_OBJECT_NAME } from '../swarm-validators.js';

export const VALUE_ENCODINGS = ['utf8', 'base64'] as const;

/** `docker secret create NAME -` / `docker config create NAME -` from a value. */
export class SwarmObjectCreateDto {
  /**
   * Up to 64 of `[a-zA-Z0-9-_.]`, starting and ending with a letter or digit.
   * @example db-password
   */
  @IsString()
  @Matches(SWARM_OBJECT_NAME, { message: 'name must be 1-64 of [a-zA-Z0-9-_.], starting and ending with a letter or digit' })
  name: string;

  /**
   * The value, as text (`encoding: utf8`, the default) or base64 (`encoding: base64`, for binary data). Secrets:
   * 1 byte to 500 KB, never answered back nor logged; configs: 1 byte to 1000 KB.
   * @example s3cr3t-passw0rd
   */
  @IsString()
  @IsNotEmpty()
  @MaxLength(2_000_000)
  value: string;

  /** @example utf8 */
  @IsOptional()
  @IsIn(VALUE_ENCODINGS)
  @ApiPropertyOptional({ enum: VALUE_ENCODINGS, default: 'utf8' })
  encoding?: (typeof VALUE_ENCODINGS)[number];

  /** @example {"app": "web"} */
  @IsOptional()
  @IsStringMap({ maxEntries: 100 })
  labels?: Record<string, string>;
}

/** `docker secret ls` / `docker config ls` filters. */
export class SwarmObjectListQueryDto extends PageQueryDto {
  /** A part of the name. */
  @IsOptional()
  @QueryList()
  @IsString({ each: true })
  @MaxLength(64, { each: true })
  name?: string[];

  /** `key` or `key=value`. */
  @IsOptional()
  @QueryList()
  @IsString({ each: true })
  @MaxLength(512, { each: true })
  label?: string[];
}

/** What `docker secret create` answered. */
export class SwarmObjectCreatedDto {
  /** @example 19slhihpr3bdhncsyz2818ns7 */
  id: string;
  /** @example db-password */
  name: string;
}

/** A secret: its metadata only. Its value is never answered, to anyone (the engine does not give it back either). */
export class SecretDto {
  /** @example 19slhihpr3bdhncsyz2818ns7 */
  id: string;
  /** @example db-password */
  name: string;
  /** @example {"app": "web"} */
  labels: Record<string, string>;
  /** An external secret store's driver, when the secret lives there; null for the swarm's own store. */
  @ApiProperty({ type: String, nullable: true, example: 'vault-secrets' })
  driver: string | null;
  /** @example 2026-11-26T20:39:24.175Z */
  createdAt?: string;
  /** @example 2026-11-26T20:39:24.175Z */
  updatedAt?: string;
}

export class SecretPageDto extends PageOf(SecretDto) {}

/** A config: its metadata, and its data (not secret, but redacted for viewers while BERTH_VIEWER_REDACTION is on). */
export class ConfigDto {
  /** @example 8hogw6m2dj5u14g0wozg4e585 */
  id: string;
  /** @example nginx-conf */
  name: string;
  /** @example {"app": "web"} */
  labels: Record<string, string>;
  /**
   * The data as text when it is UTF-8, else base64 (see `encoding`); null when redacted for a viewer and in lists.
   * @example "server { listen 80; }\n"
   */
  @ApiProperty({ type: String, nullable: true })
  data: string | null;
  /** @example utf8 */
  @ApiProperty({ enum: VALUE_ENCODINGS })
  encoding: (typeof VALUE_ENCODINGS)[number];
  /**
   * Size of the data in bytes.
   * @example 22
   */
  @ApiProperty({ type: 'integer' })
  sizeBytes: number;
  /** @example 2026-11-26T20:39:24.175Z */
  createdAt?: string;
  /** @example 2026-11-26T20:39:24.175Z */
  updatedAt?: string;
}

export class ConfigPageDto extends PageOf(ConfigDto) {}
