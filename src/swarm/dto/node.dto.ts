import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { PageOf, PageQueryDto } from '../../common/dto/page.dto.js';
import { IsLabelPatch } from '../swarm-validators.js';

export const NODE_AVAILABILITIES = ['active', 'pause', 'drain'] as const;
export type NodeAvailability = (typeof NODE_AVAILABILITIES)[number];

/** A node of the swarm (`docker node ls` / `inspect`). */
export class NodeDto {
  /** @example poa0b9gocpu4romhplro8oie1 */
  id: string;
  /** @example vm */
  hostname: string;
  /**
   * @example manager
   */
  @ApiProperty({ enum: ['manager', 'worker'] })
  role: string;
  /**
   * `active` takes tasks, `pause` keeps its tasks and takes no new ones, `drain` moves its tasks away.
   * @example active
   */
  @ApiProperty({ enum: NODE_AVAILABILITIES })
  availability: string;
  /**
   * `ready`, `down`, `disconnected` or `unknown`.
   * @example ready
   */
  state: string;
  /** @example 10.231.0.2 */
  address?: string;
  /**
   * Managers only: whether it leads the Raft group.
   * @example true
   */
  leader: boolean;
  /**
   * Managers only: `reachable`, `unreachable` or `unknown`.
   * @example reachable
   */
  reachability?: string;
  /** @example 20.10.24+dfsg1 */
  engineVersion?: string;
  /** @example linux */
  os?: string;
  /** @example x86_64 */
  architecture?: string;
  /** @example 2 */
  cpus?: number;
  /** @example 25276059648 */
  @ApiProperty({ type: 'integer', required: false })
  memoryBytes?: number;
  /**
   * The node's labels (`docker node update --label-add`), which placement constraints read (`node.labels.zone==a`).
   * @example {"zone": "a"}
   */
  labels: Record<string, string>;
  /** @example 2026-11-26T20:38:12.762Z */
  createdAt?: string;
  /** @example 2026-11-26T20:38:54.113Z */
  updatedAt?: string;
}

export class NodePageDto extends PageOf(NodeDto) {}

export class NodeListQueryDto extends PageQueryDto {}

/** `docker node update --availability / --label-add / --label-rm`: what is given changes, the rest stays. */
export class NodeUpdateDto {
  /**
   * `drain` moves the node's tasks to other nodes (and stops them when there is none); `pause` keeps them.
   * @example drain
   */
  @IsOptional()
  @IsIn(NODE_AVAILABILITIES)
  @ApiPropertyOptional({ enum: NODE_AVAILABILITIES })
  availability?: NodeAvailability;

  /**
   * Labels to set, or to remove with `null` (JSON merge patch); labels not named stay.
   * @example {"zone": "a", "old": null}
   */
  @IsOptional()
  @IsLabelPatch()
  labels?: Record<string, string | null>;
}
