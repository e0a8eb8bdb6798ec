import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { PageOf, PageQueryDto } from '../../common/dto/page.dto.js';
import { IsStringMap, QueryBoolean, QueryList } from '../../common/validators.js';

/** The engine's volume name grammar (`docker volume create NAME`). */
export const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
/** A volume driver: `local` or a plugin (`vieux/sshfs:latest`). */
export const VOLUME_DRIVER = /^[a-zA-Z0-9][a-zA-Z0-9_.:/-]{0,254}$/;

/** `docker volume create`. */
export class VolumeCreateDto {
  /**
   * `docker volume create NAME`; the engine makes up a 64-hex name when omitted. An existing volume of that name is answered as it is.
   * @example web-data
   */
  @IsOptional()
  @IsString()
  @MaxLength(255)
  @Matches(VOLUME_NAME, { message: 'name must match [a-zA-Z0-9][a-zA-Z0-9_.-]+' })
  name?: string;

  /**
   * `--driver`, default `local`; other drivers are admins' unless listed in BERTH_ALLOWED_VOLUME_DRIVERS.
   * @example local
   */
  @IsOptional()
  @IsString()
  @Matches(VOLUME_DRIVER, { message: 'driver must be a volume driver name' })
  driver?: string;

  /**
   * `--label`.
   * @example {"com.example.app": "web"}
   */
  @IsOptional()
  @IsStringMap({ maxEntries: 100 })
  labels?: Record<string, string>;

  /**
   * `--opt`: admins only (403 POLICY_DENIED otherwise). The local driver's `type=none,o=bind,device=/path` mounts a host
   * path into every container that mounts the volume; `type=nfs`/`cifs` mount remote shares.
   * @example {"type": "tmpfs", "device": "tmpfs", "o": "size=100m"}
   */
  @IsOptional()
  @IsStringMap({ maxEntries: 64 })
  driverOpts?: Record<string, string>;
}

/** The filters of `docker volume ls`, and the page. Repeat a parameter to give several values. */
export class VolumeListQueryDto extends PageQueryDto {
  /** `true`: volumes no container uses (anonymous and named alike); `false`: the used ones. */
  @IsOptional()
  @QueryBoolean()
  @IsBoolean()
  dangling?: boolean;

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

  @IsOptional()
  @QueryList()
  @IsString({ each: true })
  @Matches(VOLUME_DRIVER, { each: true, message: 'driver must be a volume driver name' })
  driver?: string[];
}

export class VolumeRemoveQueryDto {
  /** `docker volume rm -f`: no error for a volume that does not exist, nor when its driver fails. A volume in use is never removed (409). */
  @IsOptional()
  @QueryBoolean()
  @IsBoolean()
  force?: boolean;
}

/** A container that mounts the volume. */
export class VolumeUserDto {
  /** @example 4f66ad9a0b2e1c3d5e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5 */
  id: string;
  /** @example web */
  name: string;
  /** @example running */
  state: string;
}

/** A volume, with who uses it and its size. */
export class VolumeDto {
  /** @example web-data */
  name: string;
  /** @example local */
  driver: string;
  /** @example local */
  scope: string;
  /**
   * Where the engine keeps it on the host.
   * @example /var/lib/docker/volumes/web-data/_data
   */
  mountpoint: string;
  /** @example 2026-11-26T16:58:40Z */
  createdAt?: string;
  /** @example {"com.example.app": "web"} */
  labels: Record<string, string>;
  /**
   * The driver options it was created with (`--opt`); values redacted for viewers (a cifs password lives here).
   * @example {}
   */
  options: Record<string, string>;
  /** The containers that mount it (running or not). */
  usedBy: VolumeUserDto[];
  /**
   * From `docker system df`; null while the engine has not measured it (or for drivers that do not say).
   * @example 1048576
   */
  @ApiProperty({ type: 'integer' })
  sizeBytes: number | null;
}

/** A page of `docker volume ls`, by name. */
export class VolumePageDto extends PageOf(VolumeDto) {}
