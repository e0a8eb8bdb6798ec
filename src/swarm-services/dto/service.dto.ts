import { ApiProperty, ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import { PageOf, PageQueryDto } from '../../common/dto/page.dto.js';
import { LogsQueryDto } from '../../containers/dto/container-query.dto.js';
import { MountDto } from '../../containers/dto/container-create-parts.dto.js';
import { ServiceResourcesDto, ServiceRolloutConfigDto } from './service-create.dto.js';

/** Where a service's rolling update (or rollback) stands, as the engine tells it. */
export class ServiceUpdateStatusDto {
  /**
   * `updating`, `paused`, `completed`, `rollback_started`, `rollback_paused` or `rollback_completed`.
   * @example completed
   */
  state: string;

  /** @example 2026-11-26T17:05:02.118Z */
  @ApiProperty({ type: String, nullable: true, example: '2026-11-26T17:05:02.118Z' })
  startedAt: string | null;

  /** @example 2026-11-26T17:05:14.870Z */
  @ApiProperty({ type: String, nullable: true, example: '2026-11-26T17:05:14.870Z' })
  completedAt: string | null;

  /** The engine's words. */
  @ApiProperty({ example: 'update completed' })
  message: string;
}

/** A published port, as the service's endpoint has it. */
export class ServicePublishedPortDto {
  /** @example 80 */
  target: number;
  /** @example 8080 */
  @ApiProperty({ type: Number, nullable: true, example: 8080 })
  published: number | null;
  /** @example tcp */
  protocol: string;
  /** @example ingress */
  mode: string;
}

/** A service as `docker service ls` shows it. */
export class ServiceSummaryDto {
  /** @example 9ye6xwpyczmb4d2k1m3zq8v7r */
  id: string;
  /** @example web */
  name: string;
  /** @example nginx:1.27 */
  image: string;
  /** @example replicated */
  @ApiProperty({ enum: ['replicated', 'global'], example: 'replicated' })
  mode: 'replicated' | 'global';
  /** The replicas asked for; null for a global service. */
  @ApiProperty({ type: Number, nullable: true, example: 2 })
  replicas: number | null;
  /** Tasks running now (as the engine counts them; null when it did not say). */
  @ApiProperty({ type: Number, nullable: true, example: 2 })
  runningTasks: number | null;
  /** Tasks the engine wants running. */
  @ApiProperty({ type: Number, nullable: true, example: 2 })
  desiredTasks: number | null;
  @ApiProperty({ type: [ServicePublishedPortDto] })
  ports: ServicePublishedPortDto[];
  /** @example {"com.example.app": "web"} */
  labels: Record<string, string>;
  @ApiProperty({ type: ServiceUpdateStatusDto, nullable: true })
  updateStatus: ServiceUpdateStatusDto | null;
  /**
   * The spec's version: what an update is made against.
   * @example 42
   */
  version: number;
  /** @example 2026-11-26T17:00:00.000Z */
  createdAt: string;
  /** @example 2026-11-26T17:05:02.118Z */
  updatedAt: string;
}

export class ServicePageDto extends PageOf(ServiceSummaryDto) {}

/** One task of a service: a slot's container on a node, at some state. */
export class ServiceTaskDto {
  /** @example kx0q4kq2m1e9s7c3f5w8b6n2d */
  id: string;
  /** The replica slot (replicated services). */
  @ApiProperty({ type: Number, nullable: true, example: 1 })
  slot: number | null;
  /** @example 4t0xd2ghl3bqkn0h3fyk1gmc2 */
  @ApiProperty({ type: String, nullable: true, example: '4t0xd2ghl3bqkn0h3fyk1gmc2' })
  nodeId: string | null;
  /** @example nginx:1.27 */
  @ApiProperty({ type: String, nullable: true, example: 'nginx:1.27' })
  image: string | null;
  /**
   * `new`, `pending`, `assigned`, `preparing`, `starting`, `running`, `complete`, `shutdown`, `failed`, `rejected`, ...
   * @example running
   */
  state: string;
  /** @example running */
  desiredState: string;
  /** @example started */
  message: string;
  /** Why the task failed or was rejected. */
  @ApiProperty({ type: String, nullable: true, example: null })
  error: string | null;
  @ApiProperty({ type: String, nullable: true, example: '5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270' })
  containerId: string | null;
  /** @example 2026-11-26T17:05:04.118Z */
  updatedAt: string;
}

/** `docker service inspect`: the spec in Berth's terms, with its tasks (viewers get env values redacted). */
export class ServiceInspectDto extends ServiceSummaryDto {
  /** @example ["sh", "-c", "while true; do echo tick; sleep 1; done"] */
  cmd: string[];
  /** @example [] */
  entrypoint: string[];
  /** @example ["GREETING=hello"] */
  env: string[];
  /** @example {"com.example.tier": "front"} */
  containerLabels: Record<string, string>;
  @ApiProperty({ type: [MountDto] })
  mounts: MountDto[];
  /**
   * Network ids.
   * @example ["q1w2e3r4t5y6u7i8o9p0a1s2d"]
   */
  networks: string[];
  /** @example ["node.role==manager"] */
  constraints: string[];
  @ApiProperty({ type: ServiceResourcesDto })
  resources: ServiceResourcesDto;
  @ApiProperty({ type: ServiceRolloutConfigDto, nullable: true })
  updateConfig: ServiceRolloutConfigDto | null;
  @ApiProperty({ type: ServiceRolloutConfigDto, nullable: true })
  rollbackConfig: ServiceRolloutConfigDto | null;
  /** @example [] */
  capAdd: string[];
  /** @example [] */
  capDrop: string[];
  /**
   * Whether there is a previous spec to roll back to.
   * @example true
   */
  canRollback: boolean;
  @ApiProperty({ type: [ServiceTaskDto] })
  tasks: ServiceTaskDto[];
}

export class ServiceCreatedDto {
  /** @example 9ye6xwpyczmb4d2k1m3zq8v7r */
  id: string;
  /** @example web */
  name: string;
  /** @example [] */
  warnings: string[];
}

/** What an update or rollback job ends with. */
export class ServiceRolloutResultDto {
  /** @example 9ye6xwpyczmb4d2k1m3zq8v7r */
  service: string;
  /** @example web */
  name: string;
  /**
   * Tasks at the new spec and running.
   * @example 3
   */
  runningTasks: number;
  @ApiProperty({ type: Number, nullable: true, example: 3 })
  desiredTasks: number | null;
  /** The engine's update state at the end (none for a plain scale). */
  @ApiPropertyOptional({ type: String, nullable: true, example: 'completed' })
  updateState: string | null;
}

export class ServiceListQueryDto extends PageQueryDto {}

/** `docker service logs`: as a container's, without `until` (the engine takes none for services). */
export class ServiceLogsQueryDto extends OmitType(LogsQueryDto, ['until'] as const) {}

export const WEB_SERVICE_CREATED_EXAMPLE: ServiceCreatedDto = { id: '9ye6xwpyczmb4d2k1m3zq8v7r', name: 'web', warnings: [] };
