import { ApiProperty } from '@nestjs/swagger';
import { PortDto } from './container-summary.dto.js';

export class ContainerStateDto {
  /** @example running */
  status: string;
  /** @example true */
  running: boolean;
  /** @example false */
  paused: boolean;
  /** @example false */
  restarting: boolean;
  /** @example false */
  oomKilled: boolean;
  /** @example false */
  dead: boolean;
  /**
   * Host pid of the main process; 0 when not running.
   * @example 12345
   */
  @ApiProperty({ type: 'integer' })
  pid: number;
  /** @example 0 */
  @ApiProperty({ type: 'integer' })
  exitCode: number;
  /** @example "" */
  error: string;
  /** @example 2026-11-26T17:02:11.804163002Z */
  startedAt?: string;
  /** @example 0001-01-01T00:00:00Z */
  finishedAt?: string;
  /**
   * healthy, unhealthy or starting, when the image has a health check.
   * @example healthy
   */
  health?: string;
}

export class ContainerMountDto {
  /**
   * bind, volume, tmpfs, ...
   * @example volume
   */
  type: string;
  /**
   * The volume name, for volumes.
   * @example web-data
   */
  name?: string;
  /** @example /var/lib/docker/volumes/web-data/_data */
  source: string;
  /** @example /var/www */
  target: string;
  /** @example false */
  readOnly: boolean;
}

export class ContainerNetworkDto {
  /** @example bridge */
  name: string;
  /** @example 172.17.0.2 */
  ipAddress: string;
  /** @example 172.17.0.1 */
  gateway: string;
  /** @example 02:42:ac:11:00:02 */
  macAddress: string;
  /** @example ["web"] */
  aliases: string[];
}

export class ContainerRestartPolicyDto {
  /** @example unless-stopped */
  name: string;
  /** @example 0 */
  @ApiProperty({ type: 'integer' })
  maximumRetryCount: number;
}

/** `docker inspect`, normalised; the engine's own document is under `raw`. */
export class ContainerInspectDto {
  /** @example 4f66ad9a0b2e1c3d5e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5 */
  id: string;
  /** @example web */
  name: string;
  /**
   * The image as it was asked for.
   * @example busybox:latest
   */
  image: string;
  /** @example sha256:3f57d9401f8d42f986df300f0c69192fc41da28ccc8d797829467780db3dd741 */
  imageId: string;
  /** @example 2026-11-26T17:02:11.000Z */
  createdAt: string;
  state: ContainerStateDto;
  /** @example ["httpd", "-f", "-p", "80", "-h", "/var/www"] */
  cmd: string[];
  /** @example [] */
  entrypoint: string[];
  /** @example ["GREETING=hello", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"] */
  env: string[];
  /** @example /var/www */
  workingDir: string;
  /** @example "" */
  user: string;
  /** @example 4f66ad9a0b2e */
  hostname: string;
  /** @example false */
  tty: boolean;
  /** @example false */
  openStdin: boolean;
  /** @example {"com.example.app": "web"} */
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } })
  labels: Record<string, string>;
  ports: PortDto[];
  mounts: ContainerMountDto[];
  networks: ContainerNetworkDto[];
  restartPolicy: ContainerRestartPolicyDto;
  /** @example 0 */
  @ApiProperty({ type: 'integer' })
  restartCount: number;
  /** @example false */
  autoRemove: boolean;
  /** @example false */
  privileged: boolean;
  /**
   * Memory limit in bytes; 0 is none.
   * @example 268435456
   */
  @ApiProperty({ type: 'integer' })
  memoryBytes: number;
  /**
   * CPU limit in CPUs; 0 is none.
   * @example 0.5
   */
  cpus: number;
  /**
   * The engine's inspect document, unchanged, for what the normalised view leaves out.
   * @example {"Id": "4f66ad9a0b2e1c3d5e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5", "Name": "/web", "Driver": "overlay2"}
   */
  @ApiProperty({ type: 'object', additionalProperties: true })
  raw: Record<string, unknown>;
}
