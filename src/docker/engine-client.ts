import Docker from 'dockerode';
import type { Metrics } from '../common/metrics.js';
import { engineUnavailable, translateEngineError } from './engine-errors.js';
import type { EngineDiskUsage, EngineInfo, EngineVersion } from './engine-types.js';

export interface HostDescriptor {
  id: string;
  name: string;
  /** Where the engine listens, e.g. unix:///var/run/docker.sock. */
  url: string;
}

/** dockerode's connection options for a DOCKER_HOST url. */
export function connectionOptions(url: string): Docker.DockerOptions {
  if (url.startsWith('unix://')) return { socketPath: url.slice('unix://'.length) };
  if (url.startsWith('npipe:')) return { socketPath: url.slice('npipe:'.length) };
  const parsed = new URL(url.replace(/^tcp:/, 'http:'));
  return { host: parsed.hostname, port: Number(parsed.port || 2375), protocol: 'http' };
}

/**
 * One Docker engine. Every call is timed, bounded and has its failures translated, so a
 * service above never sees a dockerode error and a dead engine answers 503 in bounded time.
 */
export class EngineClient {
  private readonly docker: Docker;

  constructor(
    readonly host: HostDescriptor,
    private readonly metrics: Metrics,
    private readonly timeoutMs: number,
  ) {
    this.docker = new Docker(connectionOptions(host.url));
  }

  ping(timeoutMs = this.timeoutMs): Promise<unknown> {
    return this.call('ping', (d) => d.ping(), timeoutMs);
  }

  info(): Promise<EngineInfo> {
    return this.call('info', (d) => d.info() as Promise<EngineInfo>);
  }

  version(): Promise<EngineVersion> {
    return this.call('version', (d) => d.version() as unknown as Promise<EngineVersion>);
  }

  diskUsage(): Promise<EngineDiskUsage> {
    // `docker system df` walks every layer; it can take longer than a list.
    return this.call('df', (d) => d.df() as Promise<EngineDiskUsage>, this.timeoutMs * 6);
  }

  /** Runs one engine call with a time bound, a metric and error translation. */
  protected async call<T>(operation: string, run: (docker: Docker) => Promise<T>, timeoutMs = this.timeoutMs): Promise<T> {
    const stopTimer = this.metrics.engineDuration.startTimer({ host: this.host.id, operation });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(engineUnavailable(this.host.id, `no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      const result = await Promise.race([run(this.docker), timeout]);
      stopTimer({ outcome: 'ok' });
      return result;
    } catch (error) {
      stopTimer({ outcome: 'error' });
      throw translateEngineError(this.host.id, error);
    } finally {
      clearTimeout(timer);
    }
  }
}
