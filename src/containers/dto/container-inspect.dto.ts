import { ApiProperty } from '@nestjs/swagger';
import { PortDto } from './container-summary.dto.js';

export class ContainerStateDto {
  status: string;
  running: boolean;
  paused: boolean;
  restarting: boolean;
  oomKilled: boolean;
  dead: boolean;
  /** Host pid of the main process; 0 when not running. */
  @ApiProperty({ type: 'integer' })
  pid: number;
  @ApiProperty({ type: 'integer' })
  exitCode: number;
  error: string;
  startedAt?: string;
  finishedAt?: string;
  /** healthy, unhealthy or starting, when the image has a health check. */
  health?: string;
}

export class ContainerMountDto {
  /** bind, volume, tmpfs, ... */
  type: string;
  /** The volume name, for volumes. */
  name?: string;
  source: string;
  target: string;
  readOnly: boolean;
}

export class ContainerNetworkDto {
  name: string;
  ipAddress: string;
  gateway: string;
  macAddress: string;
  aliases: string[];
}

export class ContainerRestartPolicyDto {
  name: string;
  @ApiProperty({ type: 'integer' })
  maximumRetryCount: number;
}

/** `docker inspect`, normalised; the engine's own document is under `raw`. */
export class ContainerInspectDto {
  id: string;
  name: string;
  /** The image as it was asked for. */
  image: string;
  imageId: string;
  createdAt: string;
  state: ContainerStateDto;
  cmd: string[];
  entrypoint: string[];
  env: string[];
  workingDir: string;
  user: string;
  hostname: string;
  tty: boolean;
  openStdin: boolean;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } })
  labels: Record<string, string>;
  ports: PortDto[];
  mounts: ContainerMountDto[];
  networks: ContainerNetworkDto[];
  restartPolicy: ContainerRestartPolicyDto;
  @ApiProperty({ type: 'integer' })
  restartCount: number;
  autoRemove: boolean;
  privileged: boolean;
  /** Memory limit in bytes; 0 is none. */
  @ApiProperty({ type: 'integer' })
  memoryBytes: number;
  /** CPU limit in CPUs; 0 is none. */
  cpus: number;
  /** The engine's inspect document, unchanged, for what the normalised view leaves out. */
  @ApiProperty({ type: 'object', additionalProperties: true })
  raw: Record<string, unknown>;
}
