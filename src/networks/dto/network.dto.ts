import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { PageOf, PageQueryDto } from '../../common/dto/page.dto.js';
import { IsStringMap, QueryBoolean, QueryList } from '../../common/validators.js';
import { CONTAINER_REF } from '../../containers/container-ref.pipe.js';
import { NETWORK_ALIAS, NETWORK_NAME } from '../../containers/dto/container-validators.js';

/** A network driver: built in (`bridge`, `overlay`, `macvlan`, `ipvlan`, ...) or a plugin. */
export const NETWORK_DRIVER = /^[a-zA-Z0-9][a-zA-Z0-9_.:/-]{0,254}$/;

/** `--subnet`, `--gateway`, `--ip-range`: checked as CIDRs and addresses of the subnet (see ipamProblems). */
export class NetworkSubnetDto {
  /** `10.20.0.0/24` or `fd00:20::/64`. */
  @IsString()
  @MaxLength(64)
  subnet: string;

  /** An address inside the subnet. */
  @IsOptional()
  @IsString()
  @MaxLength(64)
  gateway?: string;

  /** A CIDR inside the subnet that containers' addresses come from. */
  @IsOptional()
  @IsString()
  @MaxLength(64)
  ipRange?: string;
}

export class NetworkIpamDto {
  @IsArray()
  @ArrayMaxSize(16)
  @ValidateNested({ each: true })
  @Type(() => NetworkSubnetDto)
  subnets: NetworkSubnetDto[];
}

/**
 * `docker network create`. Non-admins may create `bridge` and `overlay` networks without driver options or subnets
 * (the engine then picks a free subnet from its pools); other drivers (`macvlan`, `ipvlan` on a host interface, `host`,
 * plugins), driver options and subnets are for admins (403 POLICY_DENIED names the rule).
 */
export class NetworkCreateDto {
  @IsString()
  @Matches(NETWORK_NAME, { message: 'name must match [a-zA-Z0-9][a-zA-Z0-9_.-]*' })
  name: string;

  /** `--driver`, default `bridge`. */
  @IsOptional()
  @IsString()
  @Matches(NETWORK_DRIVER, { message: 'driver must be a network driver name' })
  driver?: string;

  /** `--internal`: no route out of the network. */
  @IsOptional()
  @IsBoolean()
  internal?: boolean;

  /** `--attachable` (overlay): standalone containers may join. */
  @IsOptional()
  @IsBoolean()
  attachable?: boolean;

  @IsOptional()
  @IsStringMap({ maxEntries: 100 })
  labels?: Record<string, string>;

  /** `--subnet`, `--gateway`, `--ip-range` (admins only). */
  @IsOptional()
  // An array would pass ValidateNested element by element (none): it must be the object.
  @IsObject()
  @ValidateNested()
  @Type(() => NetworkIpamDto)
  ipam?: NetworkIpamDto;

  /** `--opt`, e.g. `com.docker.network.bridge.name`, `parent` for macvlan (admins only: they reach the host's interfaces). */
  @IsOptional()
  @IsStringMap({ maxEntries: 64 })
  options?: Record<string, string>;
}

/** The filters of `docker network ls`, and the page. Repeat a parameter to give several values. */
export class NetworkListQueryDto extends PageQueryDto {
  @IsOptional()
  @QueryList()
  @IsString({ each: true })
  @Matches(NETWORK_DRIVER, { each: true, message: 'driver must be a network driver name' })
  driver?: string[];

  /** `key` or `key=value`. */
  @IsOptional()
  @QueryList()
  @IsString({ each: true })
  @MaxLength(512, { each: true })
  label?: string[];

  /** A part of the name. */
  @IsOptional()
  @QueryList()
  @IsString({ each: true })
  @MaxLength(255, { each: true })
  name?: string[];

  /** `custom` (user-defined) or `builtin` (bridge, host, none). */
  @IsOptional()
  @IsIn(['custom', 'builtin'])
  type?: 'custom' | 'builtin';

  /** `true`: networks no container is connected to (what `docker network prune` would remove, predefined ones aside). */
  @IsOptional()
  @QueryBoolean()
  @IsBoolean()
  dangling?: boolean;
}

/** `docker network connect [--alias] NETWORK CONTAINER`. */
export class NetworkConnectDto {
  /** The container: id, id prefix or name. */
  @IsString()
  @Matches(CONTAINER_REF, { message: 'container must be a container id or name' })
  container: string;

  /** `--alias`: names other containers on the network resolve to this one (user networks only). */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(32)
  @Matches(NETWORK_ALIAS, { each: true, message: 'each alias must match [a-zA-Z0-9][a-zA-Z0-9_.-]*' })
  aliases?: string[];
}

/** `docker network disconnect [-f] NETWORK CONTAINER`. */
export class NetworkDisconnectDto {
  @IsString()
  @Matches(CONTAINER_REF, { message: 'container must be a container id or name' })
  container: string;

  /** `-f`: also when the container is gone or its endpoint is broken. */
  @IsOptional()
  @IsBoolean()
  force?: boolean;
}

export class NetworkSubnetViewDto {
  subnet?: string;
  gateway?: string;
  ipRange?: string;
}

/** A container connected to a network. */
export class NetworkEndpointDto {
  id: string;
  name: string;
  /** Inspect only: the address in the network, e.g. `172.20.0.2/16`. */
  ipv4Address?: string;
  ipv6Address?: string;
  macAddress?: string;
}

/** A network, with the containers connected to it. */
export class NetworkDto {
  id: string;
  name: string;
  driver: string;
  scope: string;
  internal: boolean;
  attachable: boolean;
  /** bridge, host and none: the engine's own, never removed. */
  predefined: boolean;
  createdAt?: string;
  labels: Record<string, string>;
  options: Record<string, string>;
  ipam: { driver: string; subnets: NetworkSubnetViewDto[] };
  containers: NetworkEndpointDto[];
}

export class NetworkCreatedDto {
  id: string;
  name: string;
  /** What the engine warned about. */
  warning?: string;
}

/** A page of `docker network ls`, by name (then id: the engine allows two networks of one name). */
export class NetworkPageDto extends PageOf(NetworkDto) {}
