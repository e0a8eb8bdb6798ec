import { ApiProperty } from '@nestjs/swagger';
import { PageOf } from '../../common/dto/page.dto.js';

/** A published or exposed port. */
export class PortDto {
  /** @example 80 */
  @ApiProperty({ type: 'integer' })
  containerPort: number;
  /**
   * Absent when the port is only exposed, not published.
   * @example 8081
   */
  @ApiProperty({ type: 'integer' })
  hostPort?: number;
  /** @example 0.0.0.0 */
  hostIp?: string;
  /** @example tcp */
  protocol: string;
}

/** One container in a list (`docker ps`). */
export class ContainerSummaryDto {
  /** @example 4f66ad9a0b2e1c3d5e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5 */
  id: string;
  /**
   * The name, without the engine's leading slash.
   * @example web
   */
  name: string;
  /**
   * The image as it was asked for.
   * @example busybox:latest
   */
  image: string;
  /** @example sha256:3f57d9401f8d42f986df300f0c69192fc41da28ccc8d797829467780db3dd741 */
  imageId: string;
  /** @example "httpd -f -p 80" */
  command: string;
  /**
   * created, restarting, running, removing, paused, exited or dead.
   * @example running
   */
  state: string;
  /**
   * The engine's words, e.g. `Up 5 minutes`, `Exited (0) 2 hours ago`.
   * @example "Up 5 minutes"
   */
  status: string;
  ports: PortDto[];
  /** @example {"com.example.app": "web"} */
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } })
  labels: Record<string, string>;
  /**
   * ISO-8601 time of creation.
   * @example 2026-11-26T17:02:11.000Z
   */
  createdAt: string;
  /**
   * The networks it is attached to.
   * @example ["bridge"]
   */
  networks: string[];
}

/** A page of `docker ps`, newest first. */
export class ContainerPageDto extends PageOf(ContainerSummaryDto) {}
