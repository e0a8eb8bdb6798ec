import { ApiExtraModels, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { IsStringMap } from '../../common/validators.js';
import { isContainerPath } from '../binds.js';
import { CAPABILITY, CONTAINER_NAME, HOSTNAME, IMAGE_REF, IsBindSpecs, NAMESPACE_MODE, NETWORK, USER } from './container-validators.js';

import {
  ABSOLUTE_PATH,
  DeviceDto,
  MountDto,
  NetworkAttachmentDto,
  PortBindingDto,
  RestartPolicyDto,
} from './container-create-parts.dto.js';
import { namesNetwork } from '../policy-request.js';
import { MAX_PUBLISHED_PORTS, normalizePorts, portEntryProblem } from '../port-specs.js';
import { OptionalCommand, OptionalEnv } from './command-env-fields.js';

const PORT_SPEC_DESCRIPTION =
  'As `docker run -p` takes it: `[ip:][hostPort:]containerPort[/protocol]`, e.g. `8081:80`, `80` (a free host port), `8081:80/udp`, ' +
  '`127.0.0.1:8081:80`, `127.0.0.1::80`, `[::1]:8081:80`, or equal-length ranges `8000-8001:80-81`.';

/** What `docker run` takes, as JSON. Options that make a container root on the host are subject to the create policy. */
@ApiExtraModels(PortBindingDto)
export class ContainerCreateDto {
  /**
   * The image to run, e.g. `nginx:1.27`, `localhost:5001/team/app:1.0` or an image id.
   * @example busybox:latest
   */
  @IsString()
  @Matches(IMAGE_REF, { message: 'image must be an image reference or id' })
  image: string;

  /**
   * `--name`; the engine makes one up when omitted.
   * @example web
   */
  @IsOptional()
  @IsString()
  @Matches(CONTAINER_NAME, { message: 'name must match [a-zA-Z0-9][a-zA-Z0-9_.-]+' })
  @MaxLength(128)
  name?: string;

  /**
   * The command, overriding the image's CMD: an array, or a string split like a shell (quotes respected, nothing expanded).
   * @example ["httpd", "-f", "-p", "80", "-h", "/var/www"]
   */
  @OptionalCommand()
  cmd?: string[];

  /**
   * `--entrypoint`, overriding the image's ENTRYPOINT (an array or a string, as `cmd`); an empty list or string resets it.
   * @example ["/bin/sh", "-c"]
   */
  @OptionalCommand()
  entrypoint?: string[];

  /**
   * `-e KEY=value`.
   * @example ["GREETING=hello"]
   */
  @OptionalEnv()
  env?: string[];

  /** `-p`: ports to publish, as objects or `docker run -p` strings; strings become objects (ranges one per port). */
  @IsOptional()
  @ApiPropertyOptional({
    type: 'array',
    maxItems: 1000,
    items: {
      oneOf: [
        { type: 'string', description: PORT_SPEC_DESCRIPTION, example: '127.0.0.1:8081:80/udp' },
        { $ref: getSchemaPath(PortBindingDto) },
      ],
    },
  })
  // Runs after @Type made the objects PortBindingDto: strings become the same, for validation and everything after it.
  @Transform(({ value }) => normalizePorts(value, (binding) => Object.assign(new PortBindingDto(), binding)))
  @IsArray()
  @ArrayMaxSize(MAX_PUBLISHED_PORTS, {
    message: `ports must publish at most ${MAX_PUBLISHED_PORTS} ports (a range counts each of its ports)`,
  })
  @ValidateNested({ each: true, message: ({ value }) => portEntryProblem(value) })
  @Type(() => PortBindingDto)
  ports?: PortBindingDto[];

  /**
   * `-v`: `/host/path:/container/path[:ro]` (a bind), `name:/path[:ro]` (a named volume) or `/path` (an anonymous volume).
   * @example ["web-data:/var/www:ro"]
   */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsBindSpecs()
  binds?: string[];

  /** `--mount`. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => MountDto)
  mounts?: MountDto[];

  /**
   * `--rm`: the engine removes the container when it exits.
   * @example false
   */
  @IsOptional()
  @IsBoolean()
  autoRemove?: boolean;

  /** `--restart`. */
  @IsOptional()
  @ValidateNested()
  @Type(() => RestartPolicyDto)
  restartPolicy?: RestartPolicyDto;

  /**
   * `--label`.
   * @example {"com.example.app": "web"}
   */
  @IsOptional()
  @IsStringMap()
  labels?: Record<string, string>;

  /**
   * `-w`: an absolute path in the container.
   * @example /var/www
   */
  @IsOptional()
  @IsString()
  @Matches(ABSOLUTE_PATH, { message: 'workingDir must be an absolute path' })
  @MaxLength(4096)
  workingDir?: string;

  /**
   * `-u user[:group]` (names or ids).
   * @example 1000:1000
   */
  @IsOptional()
  @IsString()
  @Matches(USER, { message: 'user must be user, uid, user:group or uid:gid' })
  user?: string;

  /**
   * `-t`.
   * @example false
   */
  @IsOptional()
  @IsBoolean()
  tty?: boolean;

  /**
   * `-i`: keep stdin open.
   * @example false
   */
  @IsOptional()
  @IsBoolean()
  openStdin?: boolean;

  /**
   * `--network`: `bridge`, `none`, `host`, `container:<name>` or a network name.
   * @example bridge
   */
  @IsOptional()
  @IsString()
  @Matches(NETWORK, { message: 'network must be a network name or mode' })
  network?: string;

  /**
   * User networks with aliases (`--network n --network-alias a`, repeated): the first is joined at create, the others
   * connected right after, before any start. Instead of `network`, not with it.
   */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(16)
  @ValidateNested({ each: true })
  @Type(() => NetworkAttachmentDto)
  networks?: NetworkAttachmentDto[];

  /**
   * `-h`.
   * @example web
   */
  @IsOptional()
  @IsString()
  @Matches(HOSTNAME, { message: 'hostname must be an RFC 1123 host name' })
  hostname?: string;

  /**
   * `-m`: memory limit in bytes (the engine's minimum is 6 MiB).
   * @example 268435456
   */
  @IsOptional()
  @IsInt()
  @Min(6 * 1024 * 1024)
  @Max(Number.MAX_SAFE_INTEGER)
  memoryBytes?: number;

  /**
   * `--cpus`: how many CPUs' worth of time, e.g. 0.5.
   * @example 0.5
   */
  @IsOptional()
  @IsNumber()
  @Min(0.01)
  @Max(1024)
  cpus?: number;

  /**
   * `--cpu-shares`: relative weight.
   * @example 512
   */
  @IsOptional()
  @IsInt()
  @Min(2)
  @Max(262144)
  cpuShares?: number;

  /**
   * `--privileged` (create policy).
   * @example false
   */
  @IsOptional()
  @IsBoolean()
  privileged?: boolean;

  /**
   * `--pid host|container:<name>` (`host`: create policy).
   * @example container:db
   */
  @IsOptional()
  @IsString()
  @Matches(NAMESPACE_MODE, { message: 'pidMode must be host or container:<name>' })
  pidMode?: string;

  /**
   * `--ipc private|shareable|none|host|container:<name>` (`host`: create policy).
   * @example private
   */
  @IsOptional()
  @IsString()
  @Matches(NAMESPACE_MODE, { message: 'ipcMode must be private, shareable, none, host or container:<name>' })
  ipcMode?: string;

  /**
   * `--uts host` (create policy).
   * @example host
   */
  @IsOptional()
  @IsIn(['host'])
  utsMode?: 'host';

  /** `--device` (create policy). */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => DeviceDto)
  devices?: DeviceDto[];

  /**
   * `--cap-add` (create policy).
   * @example ["NET_ADMIN"]
   */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(64)
  @Matches(CAPABILITY, { each: true, message: 'each capability must look like NET_ADMIN' })
  capAdd?: string[];

  /**
   * `--cap-drop`.
   * @example ["ALL"]
   */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(64)
  @Matches(CAPABILITY, { each: true, message: 'each capability must look like NET_RAW' })
  capDrop?: string[];

  /**
   * `--security-opt`, e.g. `no-new-privileges` (anything else: create policy).
   * @example ["no-new-privileges"]
   */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(32)
  @IsString({ each: true })
  @MaxLength(65536, { each: true })
  securityOpt?: string[];

  /**
   * `missing` (default, as `docker run`): pull when not on the host; `always`; `never`: 404 IMAGE_NOT_FOUND when absent.
   * @example missing
   */
  @IsOptional()
  @IsIn(['missing', 'always', 'never'])
  pull?: 'missing' | 'always' | 'never' = 'missing';

  /**
   * Start the container after creating it (`docker run -d`).
   * @example true
   */
  @IsOptional()
  @IsBoolean()
  start?: boolean = false;
}

/**
 * `docker run -d -p 8081:80 --name web -e GREETING=hello --label com.example.app=web busybox httpd -f -p 80`: the
 * example Swagger UI's "Try it out" starts from (so it must answer 201 on a host that has `busybox:latest`).
 */
export const WEB_CONTAINER_EXAMPLE = {
  name: 'web',
  image: 'busybox:latest',
  cmd: ['httpd', '-f', '-p', '80', '-h', '/var/www'],
  ports: [{ containerPort: 80, hostPort: 8081 }],
  env: ['GREETING=hello'],
  labels: { 'com.example.app': 'web' },
  start: true,
};

/** The 201 answer to WEB_CONTAINER_EXAMPLE. */
export const WEB_CONTAINER_CREATED_EXAMPLE = {
  id: '4f66ad9a0b2e1c3d5e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5',
  name: 'web',
  warnings: [],
  started: true,
};

/** The answer to a create. */
export class ContainerCreatedDto {
  /** @example 4f66ad9a0b2e1c3d5e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5 */
  id: string;
  /** @example web */
  name: string;
  /**
   * What the engine warned about, e.g. a memory limit without swap limit support.
   * @example []
   */
  warnings: string[];
  /**
   * Whether it was started (`start: true`).
   * @example true
   */
  started: boolean;
}

/** What depends on more than one field, which class-validator cannot say: answered as 400 field errors all the same. */
export function createRequestProblems(dto: ContainerCreateDto): Array<{ field: string; message: string }> {
  const problems: Array<{ field: string; message: string }> = [];
  const restart = dto.restartPolicy?.name;
  if (dto.autoRemove && restart && restart !== 'no') {
    problems.push({ field: 'restartPolicy', message: 'a restart policy cannot be combined with autoRemove (--rm)' });
  }
  if (dto.restartPolicy?.maximumRetryCount !== undefined && restart !== 'on-failure') {
    problems.push({ field: 'restartPolicy.maximumRetryCount', message: 'maximumRetryCount only goes with on-failure' });
  }
  return problems.concat(mountProblems(dto), networkProblems(dto));
}

function networkProblems(dto: ContainerCreateDto): Array<{ field: string; message: string }> {
  if (!dto.networks) return [];
  const problems: Array<{ field: string; message: string }> = [];
  if (dto.network !== undefined) problems.push({ field: 'networks', message: 'give network or networks, not both' });
  if (dto.networks.length === 0) problems.push({ field: 'networks', message: 'networks must name at least one network' });
  dto.networks.forEach((network, index) => {
    // Modes and the default bridge take no aliases and cannot be joined beside another network.
    if (!namesNetwork(network.name))
      problems.push({ field: `networks[${index}].name`, message: `${network.name} is a network mode; give it as network` });
    if (dto.networks!.findIndex((other) => other.name === network.name) !== index)
      problems.push({ field: `networks[${index}].name`, message: `network ${network.name} is listed twice` });
  });
  return problems;
}

/** `--mount` entries the DTO cannot judge alone (service create takes the same mounts). */
export function mountProblems(dto: Pick<ContainerCreateDto, 'mounts'>): Array<{ field: string; message: string }> {
  return (dto.mounts ?? []).flatMap((mount, index) => {
    const problems: Array<{ field: string; message: string }> = [];
    if (!isContainerPath(mount.target))
      problems.push({ field: `mounts[${index}].target`, message: 'target must be an absolute container path other than /' });
    if (mount.type === 'bind' && !mount.source?.startsWith('/'))
      problems.push({ field: `mounts[${index}].source`, message: 'a bind needs an absolute host path as source' });
    if (mount.type === 'tmpfs' && mount.source) problems.push({ field: `mounts[${index}].source`, message: 'a tmpfs mount has no source' });
    if (mount.type === 'volume' && mount.source && !/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/.test(mount.source)) {
      problems.push({ field: `mounts[${index}].source`, message: 'a volume source must be a volume name' });
    }
    return problems;
  });
}
