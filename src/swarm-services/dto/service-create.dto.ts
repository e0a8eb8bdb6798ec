import { OmitType, PartialType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
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
import { MountDto } from '../../containers/dto/container-create-parts.dto.js';
import { CAPABILITY, IMAGE_REF, NETWORK_NAME, USER } from '../../containers/dto/container-validators.js';
import { ABSOLUTE_PATH } from '../../containers/dto/container-create-parts.dto.js';
import { OptionalCommand, OptionalEnv } from '../../containers/dto/command-env-fields.js';

/** A service name, as the engine takes it (a DNS label: it names the service on its networks). */
export const SERVICE_NAME = /^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/;
/** `node.role==manager`, `node.labels.zone != b`, `engine.labels.os==linux`. */
export const PLACEMENT_CONSTRAINT = /^[a-zA-Z0-9_.-]+\s*(==|!=)\s*[^\s=!][^\0]{0,254}$/;

/** `--publish`: a port of the service's tasks, published on every node (ingress) or on the task's node (host). */
export class ServicePortDto {
  /**
   * The port inside the tasks.
   * @example 80
   */
  @IsInt()
  @Min(1)
  @Max(65535)
  target: number;

  /**
   * The port on the nodes; the engine picks one (30000-32767) when omitted.
   * @example 8080
   */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(65535)
  published?: number;

  /** @example tcp */
  @IsOptional()
  @IsIn(['tcp', 'udp', 'sctp'])
  protocol?: 'tcp' | 'udp' | 'sctp';

  /**
   * `ingress` (the routing mesh, every node) or `host` (only the node a task runs on).
   * @example ingress
   */
  @IsOptional()
  @IsIn(['ingress', 'host'])
  mode?: 'ingress' | 'host';
}

/** CPUs and memory of each task. */
export class ServiceResourceDto {
  /**
   * CPUs (fractions allowed), as `--limit-cpu` / `--reserve-cpu`.
   * @example 0.5
   */
  @IsOptional()
  @IsNumber()
  @Min(0.001)
  @Max(1024)
  cpus?: number;

  /**
   * Bytes, as `--limit-memory` / `--reserve-memory`.
   * @example 67108864
   */
  @IsOptional()
  @IsInt()
  @Min(4 * 1024 * 1024)
  @Max(Number.MAX_SAFE_INTEGER)
  memoryBytes?: number;
}

export class ServiceResourcesDto {
  /** What a task may use at most. */
  @IsOptional()
  @ValidateNested()
  @Type(() => ServiceResourceDto)
  limits?: ServiceResourceDto;

  /** What a node must have free for a task to be placed there. */
  @IsOptional()
  @ValidateNested()
  @Type(() => ServiceResourceDto)
  reservations?: ServiceResourceDto;
}

/** `--update-*` / `--rollback-*`: how the engine replaces tasks. */
export class ServiceRolloutConfigDto {
  /**
   * Tasks replaced at once (0: all at once).
   * @example 1
   */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1000)
  parallelism?: number;

  /**
   * Seconds between batches.
   * @example 5
   */
  @IsOptional()
  @IsNumber()
  @Min(0)
  @Max(86_400)
  delaySeconds?: number;

  /**
   * What the engine does when a task fails to come up.
   * @example rollback
   */
  @IsOptional()
  @IsIn(['pause', 'continue', 'rollback'])
  failureAction?: 'pause' | 'continue' | 'rollback';

  /**
   * Seconds a new task is watched for failure.
   * @example 5
   */
  @IsOptional()
  @IsNumber()
  @Min(0)
  @Max(86_400)
  monitorSeconds?: number;

  /**
   * The share of failed tasks tolerated, 0-1.
   * @example 0
   */
  @IsOptional()
  @IsNumber()
  @Min(0)
  @Max(1)
  maxFailureRatio?: number;

  /**
   * `stop-first` (the old task stops, then the new one starts) or `start-first`.
   * @example start-first
   */
  @IsOptional()
  @IsIn(['stop-first', 'start-first'])
  order?: 'stop-first' | 'start-first';
}

/**
 * What `docker service create` takes, as JSON. Mounts, networks and capabilities go through the create
 * policy, as a container's do (403 POLICY_DENIED for an operator; an admin's exception is audited).
 */
export class ServiceCreateDto {
  /**
   * `--name`: the service's name (a DNS label).
   * @example web
   */
  @IsString()
  @Matches(SERVICE_NAME, { message: 'name must be a DNS label: letters, digits and dashes, at most 63' })
  name: string;

  /**
   * The image the tasks run. Sent as given: the engine records no digest, and a node uses its own copy when it has one.
   * @example nginx:1.27
   */
  @IsString()
  @Matches(IMAGE_REF, { message: 'image must be an image reference or id' })
  image: string;

  /**
   * The command (the image's CMD replaced): an array, or a string split like a shell.
   * @example ["sh", "-c", "while true; do echo tick; sleep 1; done"]
   */
  @OptionalCommand()
  cmd?: string[];

  /**
   * `--entrypoint` (the image's ENTRYPOINT replaced).
   * @example ["/bin/sh", "-c"]
   */
  @OptionalCommand()
  entrypoint?: string[];

  /**
   * `--env KEY=value`.
   * @example ["GREETING=hello"]
   */
  @OptionalEnv()
  env?: string[];

  /**
   * `--label`: the service's labels.
   * @example {"com.example.app": "web"}
   */
  @IsOptional()
  @IsStringMap()
  labels?: Record<string, string>;

  /**
   * `--container-label`: the labels of the tasks' containers.
   * @example {"com.example.tier": "front"}
   */
  @IsOptional()
  @IsStringMap()
  containerLabels?: Record<string, string>;

  /**
   * `--mode`: `replicated` (`replicas` tasks) or `global` (one task per node).
   * @example replicated
   */
  @IsOptional()
  @IsIn(['replicated', 'global'])
  mode?: 'replicated' | 'global';

  /**
   * `--replicas`, for a replicated service (default 1).
   * @example 2
   */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(10_000)
  replicas?: number;

  /** `--publish`. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => ServicePortDto)
  ports?: ServicePortDto[];

  /** `--mount`: binds, volumes and tmpfs, judged by the create policy as a container's. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => MountDto)
  mounts?: MountDto[];

  /**
   * `--network`: swarm-scoped networks (overlays) by name or id; `host` is the host's stack (admins only).
   * @example ["backend"]
   */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @Matches(NETWORK_NAME, { each: true, message: 'each network must be a network name or id' })
  networks?: string[];

  /**
   * `--constraint`: where tasks may run.
   * @example ["node.role==manager"]
   */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @Matches(PLACEMENT_CONSTRAINT, { each: true, message: 'each constraint must be `attribute==value` or `attribute!=value`' })
  constraints?: string[];

  /** `--limit-*` and `--reserve-*`. */
  @IsOptional()
  @ValidateNested()
  @Type(() => ServiceResourcesDto)
  resources?: ServiceResourcesDto;

  /** `--update-*`: how an update replaces tasks. */
  @IsOptional()
  @ValidateNested()
  @Type(() => ServiceRolloutConfigDto)
  updateConfig?: ServiceRolloutConfigDto;

  /** `--rollback-*`: how a rollback replaces tasks. */
  @IsOptional()
  @ValidateNested()
  @Type(() => ServiceRolloutConfigDto)
  rollbackConfig?: ServiceRolloutConfigDto;

  /**
   * `--cap-add` (Docker API 1.41+): admins only, as for containers.
   * @example ["NET_ADMIN"]
   */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @Matches(CAPABILITY, { each: true, message: 'each capability must be a capability name' })
  capAdd?: string[];

  /**
   * `--cap-drop` (Docker API 1.41+).
   * @example ["NET_RAW"]
   */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @Matches(CAPABILITY, { each: true, message: 'each capability must be a capability name' })
  capDrop?: string[];

  /**
   * `--workdir`: an absolute path in the tasks.
   * @example /srv
   */
  @IsOptional()
  @IsString()
  @Matches(ABSOLUTE_PATH, { message: 'workingDir must be an absolute path' })
  @MaxLength(4096)
  workingDir?: string;

  /**
   * `--user user[:group]`.
   * @example 1000:1000
   */
  @IsOptional()
  @IsString()
  @Matches(USER, { message: 'user must be user, uid, user:group or uid:gid' })
  user?: string;
}

/**
 * `docker service update`: each field given replaces that part of the service's spec (the rest stays as it is);
 * `replicas` alone is `docker service scale`. The whole resulting spec goes through the create policy.
 */
export class ServiceUpdateDto extends PartialType(OmitType(ServiceCreateDto, ['name', 'mode'] as const)) {}

export const WEB_SERVICE_EXAMPLE = {
  name: 'web',
  image: 'nginx:1.27',
  replicas: 2,
  ports: [{ target: 80, published: 8080 }],
  env: ['GREETING=hello'],
  labels: { 'com.example.app': 'web' },
  constraints: ['node.role==manager'],
  resources: { limits: { cpus: 0.5, memoryBytes: 67108864 } },
  updateConfig: { parallelism: 1, delaySeconds: 5, failureAction: 'rollback', order: 'start-first' },
};

/** `docker service scale NAME=N`. */
export class ServiceScaleDto {
  /**
   * The replicas to run (a replicated service only).
   * @example 3
   */
  @IsInt()
  @Min(0)
  @Max(10_000)
  replicas: number;
}
