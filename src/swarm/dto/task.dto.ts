import { ApiProperty } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { PageOf, PageQueryDto } from '../../common/dto/page.dto.js';
import { QueryList } from '../../common/validators.js';
import { SWARM_REF } from '../swarm-validators.js';

export const TASK_DESIRED_STATES = ['running', 'shutdown', 'accepted', 'ready', 'complete'] as const;

/** `docker service ps` / `docker node ps` filters. Repeat a parameter to give several values. */
export class TaskListQueryDto extends PageQueryDto {
  /** A service's id, id prefix or name. */
  @IsOptional()
  @QueryList()
  @IsString({ each: true })
  @Matches(SWARM_REF, { each: true, message: 'service must be a service id or name' })
  service?: string[];

  /** A node's id, id prefix or hostname. */
  @IsOptional()
  @QueryList()
  @IsString({ each: true })
  @Matches(SWARM_REF, { each: true, message: 'node must be a node id or hostname' })
  node?: string[];

  /** The CLI's `desired-state` filter: `running`, `shutdown`, `accepted` (`ready` and `complete` too). */
  @IsOptional()
  @QueryList()
  @IsString({ each: true })
  @Matches(/^(running|shutdown|accepted|ready|complete)$/, {
    each: true,
    message: 'desiredState must be running, shutdown, accepted, ready or complete',
  })
  @ApiProperty({ required: false, type: [String], enum: TASK_DESIRED_STATES })
  desiredState?: string[];

  /** `key` or `key=value`. */
  @IsOptional()
  @QueryList()
  @IsString({ each: true })
  @MaxLength(512, { each: true })
  label?: string[];
}

/** A task: one slot of a service on one node, and how its container fares. */
export class TaskDto {
  /** @example 7tq2x1m4c9d0b8e6f5a4c3b2a */
  id: string;
  /** @example qp9f86adrl9r2xsno0rmlzfmp */
  serviceId?: string;
  /**
   * The replica's slot (replicated services); global services have none.
   * @example 1
   */
  @ApiProperty({ type: 'integer', required: false })
  slot?: number;
  /** @example poa0b9gocpu4romhplro8oie1 */
  nodeId?: string;
  /** @example berth-test/busybox:latest */
  image?: string;
  /**
   * What the orchestrator wants: `running`, `shutdown`, ...
   * @example running
   */
  desiredState?: string;
  /**
   * Where it is: `new`, `pending`, `assigned`, `preparing`, `starting`, `running`, `complete`, `failed`, `shutdown`, `rejected`, `orphaned`, `remove`.
   * @example running
   */
  state?: string;
  /** @example started */
  message?: string;
  /**
   * Why it failed or was rejected.
   * @example No such image: berth-test/missing:1
   */
  error?: string;
  /** @example 4f66ad9a0b2e1c3d5e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5 */
  containerId?: string;
  /** @example 0 */
  @ApiProperty({ type: 'integer', required: false })
  exitCode?: number;
  /**
   * When the task entered its state.
   * @example 2026-11-26T20:38:16.599Z
   */
  stateSince?: string;
  /** @example 2026-11-26T20:38:14.001Z */
  createdAt?: string;
  /** @example {} */
  labels: Record<string, string>;
}

export class TaskPageDto extends PageOf(TaskDto) {}
