import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsIP,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { NETWORK_ALIAS, NETWORK_NAME } from './container-validators.js';

// The nested parts of a create request: `-p`, `--mount`, `--restart`, `--device`, `--network` with aliases.

/** `--network name --network-alias a`: a user network the container joins, with names it answers to there. */
export class NetworkAttachmentDto {
  /**
   * A user network's name, id or id prefix (not a mode: `host`, `none`, `bridge` and `container:` go in `network`).
   * @example backend
   */
  @IsString()
  @Matches(NETWORK_NAME, { message: 'name must be a network name or id' })
  name: string;

  /**
   * `--network-alias`: names other containers on this network resolve to this one.
   * @example ["web"]
   */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(32)
  @Matches(NETWORK_ALIAS, { each: true, message: 'each alias must match [a-zA-Z0-9][a-zA-Z0-9_.-]*' })
  aliases?: string[];
}

export const ABSOLUTE_PATH = /^\/[^\0]*$/;

/** `-p [hostIp:][hostPort:]containerPort[/protocol]`. */
export class PortBindingDto {
  /** @example 80 */
  @IsInt()
  @Min(1)
  @Max(65535)
  containerPort: number;

  /**
   * The port on the host; omitted, the engine picks a free one (`-p 80`).
   * @example 8081
   */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(65535)
  hostPort?: number;

  /** @example tcp */
  @IsOptional()
  @IsIn(['tcp', 'udp', 'sctp'])
  protocol?: 'tcp' | 'udp' | 'sctp' = 'tcp';

  /**
   * The host address to listen on; all of them when omitted.
   * @example 127.0.0.1
   */
  @IsOptional()
  @IsIP()
  hostIp?: string;
}

/** `--mount type=bind|volume|tmpfs,source=...,target=...[,readonly]`. */
export class MountDto {
  /** @example volume */
  @IsIn(['bind', 'volume', 'tmpfs'])
  type: 'bind' | 'volume' | 'tmpfs';

  /**
   * bind: an absolute host path; volume: a volume name (a new anonymous volume when omitted); tmpfs: none.
   * @example web-data
   */
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(4096)
  source?: string;

  /**
   * An absolute path in the container.
   * @example /var/www
   */
  @IsString()
  @Matches(ABSOLUTE_PATH)
  @MaxLength(4096)
  target: string;

  /** @example false */
  @IsOptional()
  @IsBoolean()
  readOnly?: boolean;
}

/** `--restart no|always|unless-stopped|on-failure[:max-retries]`. */
export class RestartPolicyDto {
  /** @example on-failure */
  @IsIn(['no', 'always', 'unless-stopped', 'on-failure'])
  name: 'no' | 'always' | 'unless-stopped' | 'on-failure';

  /**
   * Only with `on-failure`: give up after this many restarts.
   * @example 3
   */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1000)
  maximumRetryCount?: number;
}

/** `--device /dev/x[:/dev/y[:rwm]]` (denied to non-admins by the create policy). */
export class DeviceDto {
  /** @example /dev/fuse */
  @IsString()
  @Matches(/^\/dev\//, { message: 'pathOnHost must be under /dev/' })
  @MaxLength(4096)
  pathOnHost: string;

  /** @example /dev/fuse */
  @IsOptional()
  @IsString()
  @Matches(ABSOLUTE_PATH)
  @MaxLength(4096)
  pathInContainer?: string;

  /** @example rwm */
  @IsOptional()
  @Matches(/^[rwm]{1,3}$/)
  cgroupPermissions?: string;
}
