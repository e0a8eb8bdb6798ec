import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, Matches, ValidateIf } from 'class-validator';
import { REGISTRY_KINDS, type RegistryKind } from '../registry-access.js';

const NAME_PATTERN = /^[\w.-](?:[\w .-]*[\w.-])?$/;
const NAME_RULE = '1-100 letters, digits, spaces, dots, dashes or underscores, not starting or ending with a space';
/** Identity tokens (OAuth refresh tokens, JWTs) can be long; more than this is not a credential. */
const SECRET_MAX_LENGTH = 8192;

/** A registry as clients see it: secrets only as `hasPassword` / `hasIdentityToken`. */
export class RegistryDto {
  @ApiProperty({ example: '0b9f3c52-6a0e-4b8e-9f5e-2f1a7c3d9e10' })
  id: string;
  @ApiProperty({ example: 'team registry' })
  name: string;
  @ApiProperty({ enum: REGISTRY_KINDS, enumName: 'RegistryKind', example: 'generic' })
  kind: RegistryKind;
  /** The registry host as image references name it; credentials go to references with exactly this host. */
  @ApiProperty({ example: 'registry.example.com:5000' })
  host: string;
  /** The base URL of its Distribution (v2) API. */
  @ApiProperty({ example: 'https://registry.example.com:5000' })
  url: string;
  @ApiProperty({ type: String, nullable: true, example: 'ci-bot' })
  username: string | null;
  /**
   * A password is stored (it is never returned).
   * @example true
   */
  hasPassword: boolean;
  /**
   * An identity token is stored (it is never returned).
   * @example false
   */
  hasIdentityToken: boolean;
  @ApiProperty({ example: '2026-11-26T14:30:00.000Z' })
  createdAt: string;
  @ApiProperty({ example: '2026-11-26T14:30:00.000Z' })
  updatedAt: string;
}

/** Everything of a registry body but its name: what `POST /registries/test` needs too. */
export class RegistryFieldsDto {
  /**
   * `[http(s)://]host[:port]`, nothing more (no path, query or credentials). Without a scheme:
   * https, except loopback hosts (`localhost`, `127.x`, `::1`), which the engine treats as
   * insecure and reaches over http. `docker.io`, `index.docker.io` and `registry-1.docker.io` are
   * all Docker Hub.
   */
  @ApiProperty({ example: 'registry.example.com:5000' })
  @IsString()
  @Length(1, 300)
  url: string;

  /** Only changes defaults (e.g. Docker Hub and GHCR have no catalog); by default from the host. */
  @ApiProperty({ enum: REGISTRY_KINDS, enumName: 'RegistryKind', required: false, example: 'generic' })
  @IsOptional()
  @IsIn(REGISTRY_KINDS)
  kind?: RegistryKind;

  @ApiProperty({ required: false, example: 'ci-bot' })
  @IsOptional()
  @IsString()
  @Length(1, 255)
  username?: string;

  /** Write-only; stored encrypted. Give this or `identityToken`, not both. */
  @ApiProperty({ required: false, writeOnly: true, example: 's3cret-pa55' })
  @IsOptional()
  @IsString()
  @Length(1, SECRET_MAX_LENGTH)
  password?: string;

  /** An OAuth identity token (what `docker login` stores for some registries), sent to the engine as `identitytoken`. Write-only. */
  @ApiProperty({ required: false, writeOnly: true, example: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjaS1ib3QifQ.c2lnbmF0dXJl' })
  @IsOptional()
  @IsString()
  @Length(1, SECRET_MAX_LENGTH)
  identityToken?: string;
}

export class RegistryCreateDto extends RegistryFieldsDto {
  /** Unique among registries. */
  @ApiProperty({ example: 'team registry' })
  @Matches(NAME_PATTERN, { message: `name must be ${NAME_RULE}` })
  @Length(1, 100)
  name: string;
}

/** A registry to test before it is saved: the name is optional. */
export class RegistryTestDto extends RegistryFieldsDto {
  @ApiProperty({ required: false, example: 'team registry' })
  @IsOptional()
  @Matches(NAME_PATTERN, { message: `name must be ${NAME_RULE}` })
  @Length(1, 100)
  name?: string;
}

/** What changes; absent fields stay. `null` clears `username`, `password` or `identityToken`; a new password clears the token and the other way round. */
export class RegistryUpdateDto {
  @ApiProperty({ required: false, example: 'team registry' })
  @ValidateIf((dto: RegistryUpdateDto) => dto.name !== undefined)
  @Matches(NAME_PATTERN, { message: `name must be ${NAME_RULE}` })
  @Length(1, 100)
  name?: string;

  @ApiProperty({ required: false, example: 'https://registry.example.com:5000' })
  @ValidateIf((dto: RegistryUpdateDto) => dto.url !== undefined)
  @IsString()
  @Length(1, 300)
  url?: string;

  /** Only changes defaults, such as whether the registry has a catalog. */
  @ApiProperty({ enum: REGISTRY_KINDS, enumName: 'RegistryKind', required: false, example: 'gitlab' })
  @ValidateIf((dto: RegistryUpdateDto) => dto.kind !== undefined)
  @IsIn(REGISTRY_KINDS)
  kind?: RegistryKind;

  @ApiProperty({ type: String, required: false, nullable: true, example: 'ci-bot' })
  @IsOptional()
  @IsString()
  @Length(1, 255)
  username?: string | null;

  @ApiProperty({ type: String, required: false, nullable: true, writeOnly: true, example: 'n3w-s3cret' })
  @IsOptional()
  @IsString()
  @Length(1, SECRET_MAX_LENGTH)
  password?: string | null;

  @ApiProperty({ type: String, required: false, nullable: true, writeOnly: true, example: null })
  @IsOptional()
  @IsString()
  @Length(1, SECRET_MAX_LENGTH)
  identityToken?: string | null;
}
