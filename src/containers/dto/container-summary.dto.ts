import { ApiProperty } from '@nestjs/swagger';
import { PageOf } from '../../common/dto/page.dto.js';

/** A published or exposed port. */
export class PortDto {
  @ApiProperty({ type: 'integer' })
  containerPort: number;
  /** Absent when the port is only exposed, not published. */
  @ApiProperty({ type: 'integer' })
  hostPort?: number;
  hostIp?: string;
  protocol: string;
}

/** One container in a list (`docker ps`). */
export class ContainerSummaryDto {
  id: string;
  /** The name, without the engine's leading slash. */
  name: string;
  /** The image as it was asked for. */
  image: string;
  imageId: string;
  command: string;
  /** created, restarting, running, removing, paused, exited or dead. */
  state: string;
  /** The engine's words, e.g. `Up 5 minutes`, `Exited (0) 2 hours ago`. */
  status: string;
  ports: PortDto[];
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } })
  labels: Record<string, string>;
  /** ISO-8601 time of creation. */
  createdAt: string;
  /** The networks it is attached to. */
  networks: string[];
}

/** A page of `docker ps`, newest first. */
export class ContainerPageDto extends PageOf(ContainerSummaryDto) {}
