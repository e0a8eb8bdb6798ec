import { ApiPropertyOptional } from '@nestjs/swagger';

export class HostDto {
  /**
   * The id used in paths, e.g. `local`.
   * @example local
   */
  id: string;
  /** @example local */
  name: string;
  /**
   * Where the engine listens (`DOCKER_HOST`); only admins get it.
   * @example unix:///var/run/docker.sock
   */
  url?: string;
  /**
   * Whether the engine answered a ping just now.
   * @example up
   */
  status: 'up' | 'down';
  /** Why the engine is down (e.g. `TLS: the engine's certificate has expired`); only when it is. */
  @ApiPropertyOptional({ example: "The Docker engine of host 'local' is unavailable: cannot connect (ECONNREFUSED)." })
  reason?: string;
}
