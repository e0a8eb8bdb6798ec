import { ApiProperty } from '@nestjs/swagger';

export const SWARM_STATES = ['inactive', 'pending', 'active', 'error', 'locked'] as const;

/** A host's place in a swarm (`docker info`'s Swarm part). The join tokens are never read, so never answered. */
export class SwarmDto {
  /**
   * `inactive` (not in a swarm), `pending`, `active`, `error`, `locked` (an autolocked manager after a restart).
   * @example active
   */
  @ApiProperty({ enum: SWARM_STATES })
  state: (typeof SWARM_STATES)[number];

  /**
   * Whether this host is a manager: the node, task, service, secret and config routes answer only on one.
   * @example true
   */
  manager: boolean;

  /** @example poa0b9gocpu4romhplro8oie1 */
  nodeId?: string;

  /**
   * The address other nodes reach this one at.
   * @example 10.231.0.2
   */
  nodeAddress?: string;

  /**
   * On a manager only.
   * @example jjfq3xbkc2c89xskz3r7sycrd
   */
  clusterId?: string;

  /**
   * When the swarm was made (on a manager only).
   * @example 2026-11-26T20:38:12.762Z
   */
  createdAt?: string;

  /** @example 2026-11-26T20:38:12.880Z */
  updatedAt?: string;

  /**
   * Nodes in the swarm (on a manager only).
   * @example 1
   */
  @ApiProperty({ type: 'integer', required: false })
  nodes?: number;

  /** @example 1 */
  @ApiProperty({ type: 'integer', required: false })
  managers?: number;

  /**
   * The engine's error about the swarm, when it has one.
   * @example ''
   */
  error?: string;
}
