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
  /**
   * `10.20.0.0/24` or `fd00:20::/64`.
   * @example 10.20.0.0/24
   */
  @IsString()
  @MaxLength(64)
  subnet: string;

  /**
   * An address inside the subnet.
   * @example 10.20.0.1
   */
  @IsOptional()
  @IsString()
  @MaxLength(64)
  gateway?: string;

  /**
   * A CIDR inside the subnet that containers' addresses come from.
   * @example 10.20.0.128/25
   */
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
  /** @example backend */
  @IsString()
  @Matches(NETWORK_NAME, { message: 'name must match [a-zA-Z0-9][a-zA-Z0-9_.-]*' })
  name: string;

  /**
   * `--driver`, default `bridge`.
   * @example bridge
   */
  @IsOptional()
  @IsString()
  @Matches(NETWORK_DRIVER, { message: 'driver must be a network driver name' })
  driver?: string;

  /**
   * `--internal`: no route out of the network.
   * @example false
   */
  @IsOptional()
  @IsBoolean()
  internal?: boolean;

  /**
   * `--attachable` (overlay): standalone containers may join.
   * @example false
   */
  @IsOptional()
  @IsBoolean()
  attachable?: boolean;

  /** @example {"com.example.app": "web"} */
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

  /**
   * `--opt`, e.g. `com.docker.network.bridge.name`, `parent` for macvlan (admins only: they reach the host's interfaces).
   * @example {"com.docker.network.bridge.name": "br-backend"}
   */
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
  /**
   * The container: id, id prefix or name.
   * @example web
   */
  @IsString()
  @Matches(CONTAINER_REF, { message: 'container must be a container id or name' })
  container: string;

  /**
   * `--alias`: names other containers on the network resolve to this one (user networks only).
   * @example ["web"]
   */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(32)
  @Matches(NETWORK_ALIAS, { each: true, message: 'each alias must match [a-zA-Z0-9][a-zA-Z0-9_.-]*' })
  aliases?: string[];
}

/** `docker network disconnect [-f] NETWORK CONTAINER`. */
export class NetworkDisconnectDto {
  /** @example web */
  @IsString()
  @Matches(CONTAINER_REF, { message: 'container must be a container id or name' })
  container: string;

  /**
   * `-f`: also when the container is gone or its endpoint is broken.
   * @example false
   */
  @IsOptional()
  @IsBoolean()
  force?: boolean;
}

export class NetworkSubnetViewDto {
  /** @example 172.20.0.0/16 */
  subnet?: string;
  /** @example 172.20.0.1 */
  gateway?: string;
  /** @example 172.20.0.0/24 */
  ipRange?: string;
}

export class NetworkIpamViewDto {
  /** @example default */
  driver: string;
  subnets: NetworkSubnetViewDto[];
}

/** A container connected to a network. */
export class NetworkEndpointDto {
  /** @example 4f66ad9a0b2e1c3d5e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5 */
  id: string;
  /** @example web */
  name: string;
  /**
   * Inspect only: the address in the network, e.g. `172.20.0.2/16`.
   * @example 172.20.0.2/16
   */
  ipv4Address?: string;
  /** @example "" */
  ipv6Address?: string;
  /** @example 02:42:ac:14:00:02 */
  macAddress?: string;
}

/** A network, with the containers connected to it. */
export class NetworkDto {
  /** @example 8e2f4b6a1c3d5e7f9a0b2c4d6e8f1a3b5c7d9e0f2a4b6c8d0e1f3a5b7c9d1e2f */
  id: string;
  /** @example backend */
  name: string;
  /** @example bridge */
  driver: string;
  /** @example local */
  scope: string;
  /** @example false */
  internal: boolean;
  /** @example false */
  attachable: boolean;
  /**
   * bridge, host and none: the engine's own, never removed.
   * @example false
   */
  predefined: boolean;
  /** @example 2026-11-26T16:58:40.123456789Z */
  createdAt?: string;
  /** @example {"com.example.app": "web"} */
  labels: Record<string, string>;
  /** @example {} */
  options: Record<string, string>;
  ipam: NetworkIpamViewDto;
  containers: NetworkEndpointDto[];
}

export class NetworkCreatedDto {
  /** @example 8e2f4b6a1c3d5e7f9a0b2c4d6e8f1a3b5c7d9e0f2a4b6c8d0e1f3a5b7c9d1e2f */
  id: string;
  /** @example backend */
  name: string;
  /**
   * What the engine warned about.
   * @example ""
   */
  warning?: string;
}

/** A page of `docker network ls`, by name (then id: the engine allows two networks of one name). */
export class NetworkPageDto extends PageOf(NetworkDto) {}
