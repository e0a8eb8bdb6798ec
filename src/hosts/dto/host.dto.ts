import { ApiProperty, ApiPropertyOptional, IntersectionType, PartialType, PickType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsObject, IsOptional, IsString, Length, Matches, ValidateIf, ValidateNested } from 'class-validator';
import { IsStringMap } from '../../common/validators.js';
import { HOST_ID_PATTERN } from '../host-connection.js';

/** PEM texts are a few KB; a chain of certificates a few more. */
const PEM_MAX_LENGTH = 65_536;
const NAME_MAX_LENGTH = 100;

const CA_EXAMPLE = '-----BEGIN CERTIFICATE-----\nMIIDBTCCAe2gAwIBAgIU…\n-----END CERTIFICATE-----\n';
const CERT_EXAMPLE = '-----BEGIN CERTIFICATE-----\nMIIDGzCCAgOgAwIBAgIU…\n-----END CERTIFICATE-----\n';
const KEY_EXAMPLE = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG…\n-----END PRIVATE KEY-----\n';
const SSH_KEY_EXAMPLE = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU…\n-----END OPENSSH PRIVATE KEY-----\n';
const HOST_KEY_EXAMPLE = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPmYQ3m0k2n1qCw7Xg0k3l8pQ2u3v4w5x6y7z8A9B0C1';

/** A TLS client as `docker --tlsverify` uses one: the CA, the client certificate and its key (PEM). */
export class HostTlsDto {
  /** The CA the engine's certificate must chain to (`ca.pem`). */
  @ApiProperty({ example: CA_EXAMPLE })
  @IsString()
  @Length(1, PEM_MAX_LENGTH)
  ca: string;

  /** The client certificate the engine checks (`cert.pem`). */
  @ApiProperty({ example: CERT_EXAMPLE })
  @IsString()
  @Length(1, PEM_MAX_LENGTH)
  cert: string;

  /** Its private key (`key.pem`, without passphrase). Write-only: stored encrypted, never returned. */
  @ApiProperty({ writeOnly: true, example: KEY_EXAMPLE })
  @IsString()
  @Length(1, PEM_MAX_LENGTH)
  key: string;
}

/** How Berth logs in over ssh, and the host key it expects (pinned: any other is refused). */
export class HostSshDto {
  /** The private key (OpenSSH, or PEM `BEGIN RSA/EC PRIVATE KEY`; without passphrase). Write-only: stored encrypted, never returned. */
  @ApiProperty({ writeOnly: true, example: SSH_KEY_EXAMPLE })
  @IsString()
  @Length(1, PEM_MAX_LENGTH)
  privateKey: string;

  /** The host key(s) to pin: a public key line, a known_hosts line or `ssh-keyscan -t ed25519 host` output (any of several keys). */
  @ApiProperty({ example: HOST_KEY_EXAMPLE })
  @IsString()
  @Length(1, 16_384)
  knownHostKey: string;
}

/** How to reach an engine: what a test needs, and what create and update share. */
export class HostConnectionDto {
  /** `tcp://host:port` (with `tls`, or `plainHttp`) or `ssh://user@host[:port]` (with `ssh`). `unix://` is the built-in `local` only. */
  @ApiProperty({ example: 'tcp://10.0.0.12:2376' })
  @IsString()
  @Length(1, 300)
  url: string;

  /**
   * A tcp:// engine without TLS: anyone who reaches its port is root there, and its answers are not
   * authenticated. Only when asked for explicitly.
   * @example false
   */
  @IsOptional()
  @IsBoolean()
  plainHttp?: boolean;

  @ApiPropertyOptional({ type: HostTlsDto })
  @IsOptional()
  // An array passes ValidateNested (element by element): the object is checked first.
  @IsObject()
  @ValidateNested()
  @Type(() => HostTlsDto)
  tls?: HostTlsDto;

  @ApiPropertyOptional({ type: HostSshDto })
  @IsOptional()
  // An array passes ValidateNested (element by element): the object is checked first.
  @IsObject()
  @ValidateNested()
  @Type(() => HostSshDto)
  ssh?: HostSshDto;
}

export class HostCreateDto extends HostConnectionDto {
  /**
   * The host's id in paths (`/api/v1/hosts/{id}/containers`): lowercase letters, digits and dashes, up to 63; `local` and `all` are reserved.
   * @example staging-1
   */
  @Matches(HOST_ID_PATTERN, { message: 'id must be lowercase letters, digits and dashes (up to 63), starting with a letter or digit' })
  id: string;

  /**
   * Display name; the id by default.
   * @example Staging 1
   */
  @IsOptional()
  @IsString()
  @Length(1, NAME_MAX_LENGTH)
  name?: string;

  /**
   * Free labels, e.g. for per-host roles granted by label.
   * @example {"env": "staging"}
   */
  @IsOptional()
  @IsStringMap()
  labels?: Record<string, string>;
}

/** What `POST /hosts/test` takes: how to reach the host, and (ignored) the rest of a record, so that a create body can be tested as is. */
export class HostTestDto extends IntersectionType(
  HostConnectionDto,
  PartialType(PickType(HostCreateDto, ['id', 'name', 'labels'] as const)),
) {}

/** What changes; absent fields stay. `tls` and `ssh` are replaced whole (`null` removes them); `labels` replaced whole. */
export class HostUpdateDto {
  @ApiPropertyOptional({ example: 'Staging 1' })
  @ValidateIf((dto: HostUpdateDto) => dto.name !== undefined)
  @IsString()
  @Length(1, NAME_MAX_LENGTH)
  name?: string;

  @ApiPropertyOptional({ example: 'tcp://10.0.0.13:2376' })
  @ValidateIf((dto: HostUpdateDto) => dto.url !== undefined)
  @IsString()
  @Length(1, 300)
  url?: string;

  /** @example false */
  @ValidateIf((dto: HostUpdateDto) => dto.plainHttp !== undefined)
  @IsBoolean()
  plainHttp?: boolean;

  @ApiPropertyOptional({ type: HostTlsDto, nullable: true })
  @IsOptional()
  // An array passes ValidateNested (element by element): the object is checked first.
  @IsObject()
  @ValidateNested()
  @Type(() => HostTlsDto)
  tls?: HostTlsDto | null;

  @ApiPropertyOptional({ type: HostSshDto, nullable: true })
  @IsOptional()
  // An array passes ValidateNested (element by element): the object is checked first.
  @IsObject()
  @ValidateNested()
  @Type(() => HostSshDto)
  ssh?: HostSshDto | null;

  /** @example {"env": "staging", "team": "web"} */
  @ValidateIf((dto: HostUpdateDto) => dto.labels !== undefined)
  @IsStringMap()
  labels?: Record<string, string>;
}

/** A host's TLS settings as answered: the public parts only. */
export class HostTlsInfoDto {
  @ApiProperty({ example: CA_EXAMPLE })
  ca: string;
  @ApiProperty({ example: CERT_EXAMPLE })
  cert: string;
  /**
   * A private key is stored (encrypted; it is never returned).
   * @example true
   */
  hasKey: boolean;
}

export class HostSshInfoDto {
  @ApiProperty({ example: HOST_KEY_EXAMPLE })
  knownHostKey: string;
  /** @example berth */
  user: string;
}

export class HostStatusDto {
  /**
   * What the last health check found: `unknown` before the first one.
   * @example up
   */
  state: 'up' | 'down' | 'unknown';
  /** @example 2026-11-26T14:30:00.000Z */
  since: string;
  /** @example 2026-11-26T14:35:05.000Z */
  checkedAt?: string;
  /** Why it is down. */
  @ApiPropertyOptional({ example: "The Docker engine of host 'staging-1' is unavailable: cannot connect (ECONNREFUSED)." })
  reason?: string;
  /** @example 20.10.24 */
  engineVersion?: string;
  /** The Docker API version the engine serves. */
  @ApiPropertyOptional({ example: '1.41' })
  apiVersion?: string;
}

export class HostDto {
  /** @example staging-1 */
  id: string;
  /** @example Staging 1 */
  name: string;
  /**
   * `local`, from DOCKER_HOST: listed, not editable.
   * @example false
   */
  builtIn: boolean;
  /**
   * Where the engine listens; admins only.
   * @example tcp://10.0.0.12:2376
   */
  url?: string;
  /**
   * tcp:// without TLS (asked for explicitly); admins only.
   * @example false
   */
  plainHttp?: boolean;
  /** Admins only. */
  @ApiPropertyOptional({ type: HostTlsInfoDto })
  tls?: HostTlsInfoDto;
  /** Admins only. */
  @ApiPropertyOptional({ type: HostSshInfoDto })
  ssh?: HostSshInfoDto;
  /** @example {"env": "staging"} */
  labels: Record<string, string>;
  @ApiProperty({ type: HostStatusDto })
  status: HostStatusDto;
  /** Absent for `local`. @example 2026-11-26T14:30:00.000Z */
  createdAt?: string;
  /** @example 2026-11-26T14:30:00.000Z */
  updatedAt?: string;
}

export class HostSwarmDto {
  /** @example manager */
  role: 'manager' | 'worker';
  /** @example 7x2kq1n3b5m4c6v8z0a9s8d7f */
  nodeId: string;
}

/** Whether Berth can use an engine: always 200, the answer is the check. */
export class HostTestResultDto {
  /** @example true */
  ok: boolean;
  /**
   * Why not: `tls` (the engine's certificate or the channel), `auth` (the engine refused our certificate or key),
   * `host-key` (ssh: not the pinned key), `unreachable`, `not-docker` (something else answers there).
   * @example tls
   */
  reason?: 'tls' | 'auth' | 'host-key' | 'unreachable' | 'not-docker';
  /** @example TLS: the engine's certificate is not signed by the CA in ca.pem (unknown CA) (UNABLE_TO_VERIFY_LEAF_SIGNATURE) */
  detail?: string;
  /** @example 20.10.24 */
  engineVersion?: string;
  @ApiPropertyOptional({ example: '1.41' })
  apiVersion?: string;
  @ApiPropertyOptional({ type: HostSwarmDto })
  swarm?: HostSwarmDto;
}
