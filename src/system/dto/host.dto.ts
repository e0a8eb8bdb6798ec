export class HostDto {
  /** The id used in paths, e.g. `local`. */
  id: string;
  name: string;
  /** Where the engine listens (`DOCKER_HOST`); only admins get it. */
  url?: string;
  /** Whether the engine answered a ping just now. */
  status: 'up' | 'down';
  /** Why the engine is down (e.g. `TLS: the engine's certificate has expired`); only when it is. */
  reason?: string;
}
